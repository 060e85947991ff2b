using System.Globalization;

namespace Podnet.Api.Validation;

public enum FieldErrorType { Required, Invalid, Duplicate, NotSupported, Forbidden }

/// <summary>One validation failure, rendered the way Kubernetes does:
/// <c>spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive</c>.</summary>
public sealed record FieldError(FieldErrorType Type, string Field, object? Value, string Detail)
{
    public static FieldError Required(string field, string detail = "") => new(FieldErrorType.Required, field, null, detail);
    public static FieldError Invalid(string field, object? value, string detail) => new(FieldErrorType.Invalid, field, value, detail);
    public static FieldError Duplicate(string field, object? value) => new(FieldErrorType.Duplicate, field, value, "");
    public static FieldError NotSupported(string field, object? value, IEnumerable<string> supported) =>
        new(FieldErrorType.NotSupported, field, value, "supported values: " + string.Join(", ", supported.Select(s => $"\"{s}\"")));
    public static FieldError Forbidden(string field, string detail) => new(FieldErrorType.Forbidden, field, null, detail);

    public string Reason => Type switch
    {
        FieldErrorType.Required => "FieldValueRequired",
        FieldErrorType.Duplicate => "FieldValueDuplicate",
        FieldErrorType.NotSupported => "FieldValueNotSupported",
        FieldErrorType.Forbidden => "FieldValueForbidden",
        _ => "FieldValueInvalid",
    };

    /// <summary>The message without the field prefix.</summary>
    public string Body => Type switch
    {
        FieldErrorType.Required => Join("Required value", null, Detail),
        FieldErrorType.Duplicate => Join("Duplicate value", Format(Value), Detail),
        FieldErrorType.NotSupported => Join("Unsupported value", Format(Value), Detail),
        FieldErrorType.Forbidden => Join("Forbidden", null, Detail),
        _ => Join("Invalid value", Format(Value), Detail),
    };

    public override string ToString() => $"{Field}: {Body}";

    private static string Join(string head, string? value, string detail)
    {
        var s = value is null ? head : $"{head}: {value}";
        return detail.Length == 0 ? s : $"{s}: {detail}";
    }

    private static string Format(object? v) => v switch
    {
        null => "null",
        string s => $"\"{s}\"",
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => v.ToString() ?? "",
    };
}

/// <summary>A value shown as is in a message (not quoted like a string), e.g. a JSON fragment.</summary>
public sealed record RawValue(string Text)
{
    public override string ToString() => Text;
}

/// <summary>Collects errors while walking an object.</summary>
public sealed class FieldErrors : List<FieldError>
{
    public void Required(string field, string detail = "") => Add(FieldError.Required(field, detail));
    public void Invalid(string field, object? value, string detail) => Add(FieldError.Invalid(field, value, detail));
    public void NotSupported(string field, object? value, params string[] supported) => Add(FieldError.NotSupported(field, value, supported));

    /// <summary>Kubernetes' aggregate message: one error plain, several in brackets.</summary>
    public static string Aggregate(IReadOnlyList<FieldError> errors) =>
        errors.Count == 1 ? errors[0].ToString() : "[" + string.Join(", ", errors) + "]";
}
