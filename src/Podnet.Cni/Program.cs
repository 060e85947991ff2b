using Podnet.Cni.Bridge;
using Podnet.Cni.Commands;
using Podnet.Linux.Interop;

// podnet-cni: the CNI bridge plugin; invoked as podnet-ipam (symlink) it is the host-local compatible IPAM plugin.
// stdio as plain descriptors: System.Console's streams set up terminal handling (a signal thread,
// termios queries) on first write, start-up work a CNI call does not need.
var argv0 = Environment.GetCommandLineArgs()[0];
using var stdin = new FdStream(0);
using var stdout = new FdStream(1);
return PluginMain.Run(argv0, Environment.GetEnvironmentVariable, stdin, stdout, Stderr.Instance, BridgePlugin.Run);
