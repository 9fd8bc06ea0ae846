using System.Text.Json;
using VmNet.Ovsdb.Errors;
using VmNet.Ovsdb.Schema;

namespace VmNet.Ovsdb.Values;

/// <summary>
/// Converts between the OVSDB JSON value notation (RFC 7047 section 5.1) and compact CLR values:
/// string, long, double, bool, Guid (a <c>["uuid",..]</c>), <see cref="NamedUuid"/>,
/// <see cref="OvsdbSet"/>, <see cref="OvsdbMap"/>; null stands for the empty set of an optional.
/// </summary>
public static class OvsdbJson
{
    private static readonly object True = true;
    private static readonly object False = false;

    /// <summary>Reads any value without a schema (numbers become long when integral).</summary>
    public static object ReadValue(JsonElement json) => ReadRaw(json, null, null);

    /// <summary>Reads a column value and normalises it to the column's shape.</summary>
    public static object? ReadColumn(JsonElement json, ColumnType type) => Normalize(ReadRaw(json, type.Key, type.Value), type);

    /// <summary>Reads one atom of a known base type (or any atom when <paramref name="type"/> is null).</summary>
    public static object ReadAtom(JsonElement json, BaseType? type)
    {
        switch (json.ValueKind)
        {
            case JsonValueKind.String:
                return type is null or { Type: AtomicType.String }
                    ? json.GetString()!
                    : throw Mismatch(json, type);
            case JsonValueKind.Number:
                if (type is { Type: AtomicType.Real })
                {
                    return json.GetDouble();
                }

                if (type is not null && type.Type != AtomicType.Integer)
                {
                    throw Mismatch(json, type);
                }

                if (json.TryGetInt64(out var l))
                {
                    return l;
                }

                return type is null ? json.GetDouble() : throw Mismatch(json, type);
            case JsonValueKind.True:
            case JsonValueKind.False:
                return type is null or { Type: AtomicType.Boolean }
                    ? (json.ValueKind == JsonValueKind.True ? True : False)
                    : throw Mismatch(json, type);
            case JsonValueKind.Array when json.GetArrayLength() == 2 && json[0].ValueKind == JsonValueKind.String:
                // ValueEquals compares the UTF-8 bytes in place: no string per tag on hot paths.
                var tag = json[0];
                if (tag.ValueEquals("uuid"u8) && type is null or { Type: AtomicType.Uuid })
                {
                    return json[1].ValueKind == JsonValueKind.String && json[1].TryGetGuid(out var g)
                        ? g
                        : throw new OvsdbProtocolException($"invalid uuid atom {json.GetRawText()}");
                }

                if (tag.ValueEquals("named-uuid"u8) && type is null or { Type: AtomicType.Uuid })
                {
                    return new NamedUuid(json[1].GetString() ?? throw new OvsdbProtocolException($"invalid named-uuid {json.GetRawText()}"));
                }

                break;
        }

        throw type is null
            ? new OvsdbProtocolException($"not an OVSDB atom: {Truncate(json.GetRawText())}")
            : Mismatch(json, type);
    }

    /// <summary>Writes a value: an atom, a set, a map, or null (the empty set).</summary>
    public static void WriteValue(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null:
                WriteSet(writer, OvsdbSet.Empty);
                break;
            case OvsdbSet set:
                WriteSet(writer, set);
                break;
            case OvsdbMap map:
                writer.WriteStartArray();
                writer.WriteStringValue("map");
                writer.WriteStartArray();
                foreach (var pair in map)
                {
                    writer.WriteStartArray();
                    WriteAtom(writer, pair.Key);
                    WriteAtom(writer, pair.Value);
                    writer.WriteEndArray();
                }

                writer.WriteEndArray();
                writer.WriteEndArray();
                break;
            default:
                WriteAtom(writer, value);
                break;
        }
    }

    public static void WriteAtom(Utf8JsonWriter writer, object atom)
    {
        switch (atom)
        {
            case string s:
                writer.WriteStringValue(s);
                break;
            case long l:
                writer.WriteNumberValue(l);
                break;
            case int i:
                writer.WriteNumberValue(i);
                break;
            case double d:
                writer.WriteNumberValue(d);
                break;
            case bool b:
                writer.WriteBooleanValue(b);
                break;
            case Guid g:
                writer.WriteStartArray();
                writer.WriteStringValue("uuid");
                writer.WriteStringValue(g);
                writer.WriteEndArray();
                break;
            case NamedUuid n:
                writer.WriteStartArray();
                writer.WriteStringValue("named-uuid");
                writer.WriteStringValue(n.Name);
                writer.WriteEndArray();
                break;
            default:
                throw new ArgumentException($"{atom.GetType().Name} value '{atom}' is not an OVSDB atom (string, long, double, bool, Guid, NamedUuid)", nameof(atom));
        }
    }

    /// <summary>Brings a decoded value into the column's shape (see <see cref="ColumnType"/>).</summary>
    public static object? Normalize(object? value, ColumnType type)
    {
        if (type.IsMap)
        {
            return value switch
            {
                OvsdbMap m => m,
                OvsdbSet { Count: 0 } or null => OvsdbMap.Empty,
                _ => throw new OvsdbProtocolException($"expected a map of type {type} but got '{value}'"),
            };
        }

        if (type.IsScalar)
        {
            return value switch
            {
                OvsdbSet { Count: 1 } s => s[0],
                OvsdbSet or OvsdbMap or null => throw new OvsdbProtocolException($"expected one {type} atom but got '{value}'"),
                _ => value,
            };
        }

        if (type.IsOptional)
        {
            return value switch
            {
                OvsdbSet { Count: 0 } or null => null,
                OvsdbSet { Count: 1 } s => s[0],
                OvsdbSet or OvsdbMap => throw new OvsdbProtocolException($"expected at most one {type.Key} atom but got '{value}'"),
                _ => value,
            };
        }

        return value switch
        {
            OvsdbSet s => s,
            null => OvsdbSet.Empty,
            OvsdbMap => throw new OvsdbProtocolException($"expected a set of type {type} but got a map"),
            _ => new OvsdbSet([value]),
        };
    }

    /// <summary>The OVSDB default for a column: "", 0, false, the zero uuid, or the empty set/map.</summary>
    public static object? DefaultFor(ColumnType type)
    {
        if (type.IsMap)
        {
            return OvsdbMap.Empty;
        }

        if (!type.IsScalar)
        {
            return type.IsOptional ? null : OvsdbSet.Empty;
        }

        return type.Key.Type switch
        {
            AtomicType.Integer => 0L,
            AtomicType.Real => 0.0,
            AtomicType.Boolean => False,
            AtomicType.String => type.Key.Enum is { Count: > 0 } e ? e[0] : string.Empty,
            _ => Guid.Empty,
        };
    }

    private static object ReadRaw(JsonElement json, BaseType? keyType, BaseType? valueType)
    {
        if (json.ValueKind == JsonValueKind.Array && json.GetArrayLength() == 2 && json[0].ValueKind == JsonValueKind.String)
        {
            var tag = json[0];
            if (tag.ValueEquals("set"u8))
            {
                var items = json[1];
                if (items.ValueKind != JsonValueKind.Array)
                {
                    throw new OvsdbProtocolException($"set body is not an array: {Truncate(json.GetRawText())}");
                }

                var count = items.GetArrayLength();
                if (count == 0)
                {
                    return OvsdbSet.Empty;
                }

                var array = new object[count];
                var i = 0;
                foreach (var item in items.EnumerateArray())
                {
                    array[i++] = ReadAtom(item, keyType);
                }

                return new OvsdbSet(array);
            }

            if (tag.ValueEquals("map"u8))
            {
                return ReadMap(json[1], keyType, valueType);
            }
        }

        return ReadAtom(json, keyType);
    }

    private static OvsdbMap ReadMap(JsonElement pairs, BaseType? keyType, BaseType? valueType)
    {
        if (pairs.ValueKind != JsonValueKind.Array)
        {
            throw new OvsdbProtocolException($"map body is not an array: {Truncate(pairs.GetRawText())}");
        }

        var count = pairs.GetArrayLength();
        if (count == 0)
        {
            return OvsdbMap.Empty;
        }

        var keys = new object[count];
        var values = new object[count];
        var i = 0;
        foreach (var pair in pairs.EnumerateArray())
        {
            if (pair.ValueKind != JsonValueKind.Array || pair.GetArrayLength() != 2)
            {
                throw new OvsdbProtocolException($"map entry is not a [key, value] pair: {Truncate(pair.GetRawText())}");
            }

            keys[i] = ReadAtom(pair[0], keyType);
            values[i] = ReadAtom(pair[1], valueType);
            i++;
        }

        return new OvsdbMap(keys, values);
    }

    private static void WriteSet(Utf8JsonWriter writer, OvsdbSet set)
    {
        writer.WriteStartArray();
        writer.WriteStringValue("set");
        writer.WriteStartArray();
        foreach (var item in set)
        {
            WriteAtom(writer, item);
        }

        writer.WriteEndArray();
        writer.WriteEndArray();
    }

    private static OvsdbProtocolException Mismatch(JsonElement json, BaseType type) =>
        new($"expected a {type.Type.ToString().ToLowerInvariant()} atom but got {Truncate(json.GetRawText())}");

    internal static string Truncate(string text) => text.Length <= 200 ? text : text[..200] + "...";
}
