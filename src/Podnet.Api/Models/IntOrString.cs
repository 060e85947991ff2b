using System.Text.Json;
using System.Text.Json.Serialization;

namespace Podnet.Api.Models;

/// <summary>A port or percentage given either as a number (<c>8080</c>) or a name/string (<c>"http"</c>, <c>"25%"</c>).</summary>
[JsonConverter(typeof(IntOrStringConverter))]
public sealed record IntOrString
{
    public int? IntValue { get; init; }
    public string? StringValue { get; init; }

    public static IntOrString FromInt(int v) => new() { IntValue = v };
    public static IntOrString FromString(string s) => new() { StringValue = s };
    public static implicit operator IntOrString(int v) => FromInt(v);

    public bool IsInt => IntValue.HasValue;
    public override string ToString() => IntValue?.ToString() ?? StringValue ?? "";

    /// <summary>Resolves a value such as <c>25%</c> against <paramref name="total"/>.</summary>
    public int Scaled(int total, bool roundUp)
    {
        if (IntValue is int i) return i;
        var s = StringValue ?? "0";
        if (s.EndsWith('%') && int.TryParse(s[..^1], out var pct))
        {
            var exact = total * pct / 100.0;
            return roundUp ? (int)Math.Ceiling(exact) : (int)Math.Floor(exact);
        }
        return int.TryParse(s, out var n) ? n : 0;
    }
}

public sealed class IntOrStringConverter : JsonConverter<IntOrString>
{
    public override IntOrString? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType switch
        {
            JsonTokenType.Number when reader.TryGetInt32(out var i) => IntOrString.FromInt(i),
            JsonTokenType.String => IntOrString.FromString(reader.GetString()!),
            JsonTokenType.Null => null,
            _ => throw new JsonException("expected an integer or a string"),
        };

    public override void Write(Utf8JsonWriter writer, IntOrString value, JsonSerializerOptions options)
    {
        if (value.IntValue is int i) writer.WriteNumberValue(i);
        else writer.WriteStringValue(value.StringValue);
    }
}
