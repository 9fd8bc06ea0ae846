namespace VmNet.Multus;

/// <summary>
/// A Multus selection or a NetworkAttachmentDefinition cannot be used. <see cref="Field"/> names the annotation
/// (or NAD) at fault and <see cref="Value"/> the offending element, so the controller can put both in an event.
/// </summary>
public sealed class MultusException(string field, string value, string problem)
    : Exception($"{field}: \"{value}\" {problem}")
{
    public string Field { get; } = field;

    public string Value { get; } = value;
}
