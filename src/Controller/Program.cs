using VmNet.Controller.Hosting;

return await ControllerProgram.MainAsync(args).ConfigureAwait(false);
