using VmNet.Ovsdb.Errors;
using VmNet.Ovsdb.Schema;
using VmNet.Ovsdb.Session;
using VmNet.Ovsdb.Values;

namespace VmNet.Ovsdb.Cache;

/// <summary>
/// Applies an update2 "modify" diff: scalars and optionals (max 1) are replaced, sets toggle the
/// listed elements, maps add new keys, drop pairs given with their current value, and change the rest.
/// </summary>
internal static class RowDiff
{
    public static object?[] Apply(TableSchema table, Guid uuid, object?[] old, object?[] diff)
    {
        var values = (object?[])old.Clone();
        for (var i = 0; i < diff.Length; i++)
        {
            var change = diff[i];
            if (ReferenceEquals(change, RowUpdate.NotPresent))
            {
                continue;
            }

            var type = table.Columns[i].Type;
            if (!type.IsSet && !type.IsMap)
            {
                values[i] = change;
            }
            else if (type.IsMap)
            {
                values[i] = ApplyMap((OvsdbMap)old[i]!, (OvsdbMap)change!);
            }
            else
            {
                var toggled = ToggleSet(old[i], (OvsdbSet)change!);
                try
                {
                    values[i] = OvsdbJson.Normalize(toggled, type);
                }
                catch (OvsdbProtocolException ex)
                {
                    throw new OvsdbProtocolException($"modify of {table.Name}.{table.Columns[i].Name} in row {uuid} gives an invalid value: {ex.Message}", ex);
                }
            }
        }

        return values;
    }

    public static bool SameValues(object?[] a, object?[] b)
    {
        for (var i = 0; i < a.Length; i++)
        {
            if (!Equals(a[i], b[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static OvsdbSet ToggleSet(object? old, OvsdbSet toggle)
    {
        var result = old switch
        {
            null => [],
            OvsdbSet s => new List<object>(s),
            var atom => new List<object> { atom },
        };
        foreach (var item in toggle)
        {
            if (!result.Remove(item))
            {
                result.Add(item);
            }
        }

        return result.Count == 0 ? OvsdbSet.Empty : new OvsdbSet(result.ToArray());
    }

    private static OvsdbMap ApplyMap(OvsdbMap old, OvsdbMap diff)
    {
        if (diff.Count == 0)
        {
            return old;
        }

        var keys = new List<object>(old.Count + diff.Count);
        var values = new List<object>(old.Count + diff.Count);
        foreach (var (key, value) in old)
        {
            keys.Add(key);
            values.Add(value);
        }

        foreach (var (key, value) in diff)
        {
            var index = keys.IndexOf(key);
            if (index < 0)
            {
                keys.Add(key);
                values.Add(value);
            }
            else if (Equals(values[index], value))
            {
                keys.RemoveAt(index);
                values.RemoveAt(index);
            }
            else
            {
                values[index] = value;
            }
        }

        return keys.Count == 0 ? OvsdbMap.Empty : new OvsdbMap(keys.ToArray(), values.ToArray());
    }
}
