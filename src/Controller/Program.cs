using Serilog;

Log.Logger = new LoggerConfiguration().WriteTo.Console().CreateLogger();
Log.Information("vmnet-controller starting with {ArgCount} arguments", args.Length);
return 0;
