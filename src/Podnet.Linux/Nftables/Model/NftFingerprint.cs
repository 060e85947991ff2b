using System.Security.Cryptography;
using System.Text;
using Podnet.Linux.Nftables.Wire;

namespace Podnet.Linux.Nftables;

/// <summary>
/// A short stable digest of rules' wire encoding. Callers keep it (e.g. in a rule comment) to tell,
/// after a restart, whether a chain in the kernel already has the wanted content.
/// </summary>
public static class NftFingerprint
{
    [ThreadStatic] private static NlWriter? t_writer;

    public static string Of(IEnumerable<NftRule> rules)
    {
        var w = t_writer ??= new NlWriter(4096);
        w.Reset();
        foreach (var r in rules)
        {
            w.PutString(1, r.Comment ?? "");
            foreach (var e in r.Expressions)
            {
                if (e is NftInlineVmap m)
                {
                    w.PutU32(2, m.Sreg);
                    foreach (var el in m.Elements) { w.Put(3, el.Key); w.PutString(4, el.Verdict?.ToString() ?? ""); }
                }
                else e.Encode(w);
            }
        }
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(w.Written, hash);
        return Convert.ToBase64String(hash[..12]).TrimEnd('=');
    }
}
