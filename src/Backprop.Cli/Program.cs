using Backprop.Cli;

return BackpropTool.Run(args, ToolConsole.FromProcess());
