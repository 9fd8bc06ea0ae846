using Serilog;

Log.Logger = new LoggerConfiguration().WriteTo.Console().CreateLogger();
Log.Information("vmnet-sandbox: {Command}", args.Length > 0 ? args[0] : "(none)");
return 0;
