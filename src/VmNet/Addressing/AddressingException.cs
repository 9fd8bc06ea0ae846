namespace VmNet.Addressing;

/// <summary>
/// A pod's or VM's addressing input cannot be honoured. <see cref="Field"/> names the annotation (or spec
/// field) at fault and <see cref="Value"/> the offending value, so the controller can put both in an event.
/// </summary>
public sealed class AddressingException(string field, string value, string problem)
    : Exception($"{field}: \"{value}\" {problem}")
{
    public string Field { get; } = field;

    public string Value { get; } = value;
}
