using Podnet.Cni.Bridge;
using Podnet.Cni.Commands;

// podnet-cni: the CNI bridge plugin; invoked as podnet-ipam (symlink) it is the host-local compatible IPAM plugin.
if (Environment.GetEnvironmentVariable(Reaper.EnvVar) is { Length: > 0 } reap) return Reaper.Run(reap);
var argv0 = Environment.GetCommandLineArgs()[0];
using var stdin = Console.OpenStandardInput();
using var stdout = Console.OpenStandardOutput();
return PluginMain.Run(argv0, Environment.GetEnvironmentVariable, stdin, stdout, Console.Error, BridgePlugin.Run);
