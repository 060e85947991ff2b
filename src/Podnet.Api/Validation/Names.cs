using System.Text.RegularExpressions;

namespace Podnet.Api.Validation;

/// <summary>Kubernetes name rules (DNS-1123 label/subdomain, DNS-1035 label, label keys and values).</summary>
public static partial class Names
{
    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")] private static partial Regex Dns1123LabelRx();
    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")] private static partial Regex Dns1123SubdomainRx();
    [GeneratedRegex("^[a-z]([-a-z0-9]*[a-z0-9])?$")] private static partial Regex Dns1035LabelRx();
    [GeneratedRegex("^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")] private static partial Regex QualifiedNameRx();
    [GeneratedRegex("^[a-z0-9]([a-z0-9-]*[a-z0-9])*$")] private static partial Regex IanaSvcNameRx();

    public static string? Dns1123Label(string s) =>
        s.Length > 63 ? "must be no more than 63 characters"
        : Dns1123LabelRx().IsMatch(s) ? null
        : "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name', or '123-abc')";

    public static string? Dns1123Subdomain(string s) =>
        s.Length > 253 ? "must be no more than 253 characters"
        : Dns1123SubdomainRx().IsMatch(s) ? null
        : "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com')";

    public static string? Dns1035Label(string s) =>
        s.Length > 63 ? "must be no more than 63 characters"
        : Dns1035LabelRx().IsMatch(s) ? null
        : "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name', or 'abc-123')";

    /// <summary>IANA service name, as used by named container and service ports.</summary>
    public static string? PortName(string s) =>
        s.Length > 15 ? "must be no more than 15 characters"
        : !IanaSvcNameRx().IsMatch(s) ? "must contain only lower case alphanumeric characters or '-', and start and end with an alphanumeric character"
        : s.Contains("--") ? "must not contain consecutive hyphens"
        : !s.Any(char.IsAsciiLetter) ? "must contain at least one letter (a-z)"
        : null;

    public static string? LabelKeyError(string key)
    {
        if (key.Length == 0) return "name part must be non-empty";
        var slash = key.IndexOf('/');
        var name = key;
        if (slash >= 0)
        {
            var prefix = key[..slash];
            name = key[(slash + 1)..];
            if (prefix.Length == 0) return "prefix part must be non-empty";
            if (Dns1123Subdomain(prefix) is { } pe) return "prefix part " + pe;
        }
        if (name.Length == 0) return "name part must be non-empty";
        if (name.Length > 63) return "name part must be no more than 63 characters";
        return QualifiedNameRx().IsMatch(name) ? null
            : "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
    }

    public static string? LabelValueError(string value) =>
        value.Length == 0 ? null
        : value.Length > 63 ? "must be no more than 63 characters"
        : QualifiedNameRx().IsMatch(value) ? null
        : "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
}
