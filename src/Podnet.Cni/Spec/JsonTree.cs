using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Podnet.Cni.Spec;

/// <summary>
/// A minimal JSON tree for the plugin's own input and output. System.Text.Json's nodes cost a CNI call
/// (a process that lives a few ms) about 0.6 ms of one-time set-up: JsonDocument's pooled buffers
/// start the shared array pool's per-core calibration, JsonValue's generic getters go through the
/// runtime's generic-virtual-method resolver, and the writer builds its escaping tables. This reads with
/// Utf8JsonReader into plain objects; JSON null and a missing key both read as null.
/// </summary>
public abstract class JNode
{
    /// <summary>Compact JSON text (error details).</summary>
    public string ToJsonString()
    {
        var w = new JsonOut();
        w.Value(this);
        return Encoding.UTF8.GetString(w.ToBytes());
    }
}

/// <summary>An object; a repeated key keeps the last value (as Go's decoder does).</summary>
public sealed class JObj : JNode
{
    readonly List<KeyValuePair<string, JNode?>> _props = [];

    public int Count => _props.Count;
    public IReadOnlyList<KeyValuePair<string, JNode?>> Properties => _props;

    public JNode? this[string key]
    {
        get
        {
            for (int i = _props.Count - 1; i >= 0; i--)
                if (_props[i].Key == key) return _props[i].Value;
            return null;
        }
    }

    public bool ContainsKey(string key)
    {
        foreach (var p in _props) if (p.Key == key) return true;
        return false;
    }

    internal void Add(string key, JNode? value) => _props.Add(new(key, value));
}

public sealed class JArr(List<JNode?> items) : JNode
{
    public IReadOnlyList<JNode?> Items => items;
    public int Count => items.Count;
    public JNode? this[int i] => items[i];
    public List<JNode?>.Enumerator GetEnumerator() => items.GetEnumerator();
}

public sealed class JStr(string value) : JNode
{
    public string Value => value;
}

/// <summary>A number as written (Raw) and as a double.</summary>
public sealed class JNum(string raw, double value) : JNode
{
    public string Raw => raw;
    public double Value => value;
}

public sealed class JBool(bool value) : JNode
{
    public bool Value => value;
}

public static class JsonTree
{
    /// <summary>Parses one JSON value (comments skipped); throws JsonException on invalid JSON or trailing data.</summary>
    public static JNode? Parse(ReadOnlySpan<byte> json)
    {
        var r = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        if (!r.Read()) throw new JsonException("no JSON value");
        JNode? node;
        // The reader validates escapes and UTF-8 only when a string is decoded, and reports a lone
        // surrogate ("\ud800") or invalid UTF-8 bytes as InvalidOperationException: bad input like any other.
        try { node = ReadValue(ref r); }
        catch (InvalidOperationException e) { throw new JsonException($"a string is not valid UTF-16 or its bytes are not valid UTF-8 ({e.Message})", e); }
        // After the value only whitespace and comments may follow (the reader throws on anything else).
        if (r.Read()) throw new JsonException("trailing data after the JSON value");
        return node;
    }

    public static JNode? Parse(string json) => Parse(Encoding.UTF8.GetBytes(json));

    static JNode? ReadValue(ref Utf8JsonReader r)
    {
        switch (r.TokenType)
        {
            case JsonTokenType.StartObject:
                var o = new JObj();
                while (r.Read() && r.TokenType != JsonTokenType.EndObject)
                {
                    string key = r.GetString()!;
                    r.Read();
                    o.Add(key, ReadValue(ref r));
                }
                return o;
            case JsonTokenType.StartArray:
                var items = new List<JNode?>();
                while (r.Read() && r.TokenType != JsonTokenType.EndArray) items.Add(ReadValue(ref r));
                return new JArr(items);
            case JsonTokenType.String: return new JStr(r.GetString()!);
            case JsonTokenType.Number:
                string raw = Encoding.UTF8.GetString(r.HasValueSequence ? System.Buffers.BuffersExtensions.ToArray(r.ValueSequence) : r.ValueSpan);
                return new JNum(raw, r.TryGetDouble(out double d) ? d : double.NaN);
            case JsonTokenType.True: return new JBool(true);
            case JsonTokenType.False: return new JBool(false);
            case JsonTokenType.Null: return null;
            default: throw new JsonException($"unexpected {r.TokenType}");
        }
    }
}

/// <summary>
/// Writes JSON (optionally indented by two spaces): strings escaped as RFC 8259 requires (quote,
/// backslash, control characters), everything else as UTF-8.
/// </summary>
public sealed class JsonOut(bool indented = false)
{
    readonly StringBuilder _sb = new(512);
    // Per open container: whether it has a member yet.
    readonly Stack<bool> _open = new();

    public byte[] ToBytes() => Encoding.UTF8.GetBytes(_sb.ToString());

    public JsonOut StartObject(string? name = null) { Begin(name); _sb.Append('{'); _open.Push(false); return this; }
    public JsonOut EndObject() => End('}');
    public JsonOut StartArray(string? name = null) { Begin(name); _sb.Append('['); _open.Push(false); return this; }
    public JsonOut EndArray() => End(']');

    public JsonOut String(string? name, string value) { Begin(name); Quote(value); return this; }
    public JsonOut Number(string? name, long value) { Begin(name); _sb.Append(value.ToString(CultureInfo.InvariantCulture)); return this; }
    public JsonOut Bool(string? name, bool value) { Begin(name); _sb.Append(value ? "true" : "false"); return this; }

    /// <summary>Writes a parsed value back (null as JSON null).</summary>
    public JsonOut Value(JNode? node, string? name = null)
    {
        switch (node)
        {
            case null: Begin(name); _sb.Append("null"); break;
            case JStr s: String(name, s.Value); break;
            case JNum n: Begin(name); _sb.Append(n.Raw); break;
            case JBool b: Bool(name, b.Value); break;
            case JArr a:
                StartArray(name);
                foreach (var i in a) Value(i);
                EndArray();
                break;
            case JObj o:
                StartObject(name);
                foreach (var p in o.Properties) Value(p.Value, p.Key);
                EndObject();
                break;
        }
        return this;
    }

    void Begin(string? name)
    {
        if (_open.Count > 0)
        {
            if (_open.Peek()) _sb.Append(',');
            _open.Pop(); _open.Push(true);
            NewLine(_open.Count);
        }
        if (name is not null)
        {
            Quote(name);
            _sb.Append(indented ? ": " : ":");
        }
    }

    JsonOut End(char close)
    {
        bool any = _open.Pop();
        if (any) NewLine(_open.Count);
        _sb.Append(close);
        return this;
    }

    void NewLine(int depth)
    {
        if (!indented) return;
        _sb.Append('\n').Append(' ', 2 * depth);
    }

    void Quote(string s)
    {
        _sb.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': _sb.Append("\\\""); break;
                case '\\': _sb.Append("\\\\"); break;
                case '\n': _sb.Append("\\n"); break;
                case '\r': _sb.Append("\\r"); break;
                case '\t': _sb.Append("\\t"); break;
                default:
                    if (c < 0x20) _sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else _sb.Append(c);
                    break;
            }
        }
        _sb.Append('"');
    }
}
