namespace VmNet.Ovsdb.Schema;

/// <summary>The five OVSDB atomic types (RFC 7047 section 3.2).</summary>
public enum AtomicType
{
    Integer,
    Real,
    Boolean,
    String,
    Uuid,
}
