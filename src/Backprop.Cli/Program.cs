Console.WriteLine("backprop: the command-line tool is not built yet.");
return 2;
