using Backprop.Cli;

return BackpropTool.Run(args, new ToolConsole(Console.Out, Console.Error, Interactive: !Console.IsOutputRedirected));
