using System.Text.Json;
using VmNet.Ovsdb.Values;

namespace VmNet.Ovsdb.Operations;

/// <summary>
/// One operation of a <c>transact</c>. Operations are plain values, so functions can return lists
/// of them that callers concatenate and commit as one atomic transaction.
/// </summary>
public abstract record OvsdbOperation(string Op, string? Table)
{
    internal void Write(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("op", Op);
        if (Table is not null)
        {
            writer.WriteString("table", Table);
        }

        WriteBody(writer);
        writer.WriteEndObject();
    }

    protected abstract void WriteBody(Utf8JsonWriter writer);

    protected static void WriteRow(Utf8JsonWriter writer, IReadOnlyDictionary<string, object?> row)
    {
        writer.WritePropertyName("row");
        writer.WriteStartObject();
        foreach (var (column, value) in row)
        {
            writer.WritePropertyName(column);
            OvsdbJson.WriteValue(writer, value);
        }

        writer.WriteEndObject();
    }

    protected static void WriteWhere(Utf8JsonWriter writer, IReadOnlyList<Condition> where)
    {
        writer.WritePropertyName("where");
        writer.WriteStartArray();
        foreach (var condition in where)
        {
            writer.WriteStartArray();
            writer.WriteStringValue(condition.Column);
            writer.WriteStringValue(condition.Function);
            OvsdbJson.WriteValue(writer, condition.Value);
            writer.WriteEndArray();
        }

        writer.WriteEndArray();
    }

    protected static void WriteColumns(Utf8JsonWriter writer, IReadOnlyList<string> columns)
    {
        writer.WritePropertyName("columns");
        writer.WriteStartArray();
        foreach (var column in columns)
        {
            writer.WriteStringValue(column);
        }

        writer.WriteEndArray();
    }
}

/// <summary>Inserts a row; <paramref name="UuidName"/> lets later ops in the same transaction refer to it as a <see cref="NamedUuid"/>.</summary>
public sealed record InsertOperation(string Table, IReadOnlyDictionary<string, object?> Row, string? UuidName = null)
    : OvsdbOperation("insert", Table)
{
    protected override void WriteBody(Utf8JsonWriter writer)
    {
        WriteRow(writer, Row);
        if (UuidName is not null)
        {
            writer.WriteString("uuid-name", UuidName);
        }
    }
}

public sealed record SelectOperation(string Table, IReadOnlyList<Condition> Where, IReadOnlyList<string>? Columns = null)
    : OvsdbOperation("select", Table)
{
    protected override void WriteBody(Utf8JsonWriter writer)
    {
        WriteWhere(writer, Where);
        if (Columns is not null)
        {
            WriteColumns(writer, Columns);
        }
    }
}

public sealed record UpdateOperation(string Table, IReadOnlyList<Condition> Where, IReadOnlyDictionary<string, object?> Row)
    : OvsdbOperation("update", Table)
{
    protected override void WriteBody(Utf8JsonWriter writer)
    {
        WriteWhere(writer, Where);
        WriteRow(writer, Row);
    }
}

public sealed record MutateOperation(string Table, IReadOnlyList<Condition> Where, IReadOnlyList<Mutation> Mutations)
    : OvsdbOperation("mutate", Table)
{
    protected override void WriteBody(Utf8JsonWriter writer)
    {
        WriteWhere(writer, Where);
        writer.WritePropertyName("mutations");
        writer.WriteStartArray();
        foreach (var mutation in Mutations)
        {
            writer.WriteStartArray();
            writer.WriteStringValue(mutation.Column);
            writer.WriteStringValue(mutation.Mutator);
            OvsdbJson.WriteValue(writer, mutation.Value);
            writer.WriteEndArray();
        }

        writer.WriteEndArray();
    }
}

public sealed record DeleteOperation(string Table, IReadOnlyList<Condition> Where)
    : OvsdbOperation("delete", Table)
{
    protected override void WriteBody(Utf8JsonWriter writer) => WriteWhere(writer, Where);
}

/// <summary>
/// Blocks (up to <paramref name="TimeoutMs"/>, 0 = fail at once) until the selected columns of the
/// matching rows are (<c>==</c>) or are not (<c>!=</c>) exactly <paramref name="Rows"/>. A failed
/// wait aborts the transaction with error <c>timed out</c>: the basis of guarded retries.
/// </summary>
public sealed record WaitOperation(
    string Table,
    IReadOnlyList<Condition> Where,
    IReadOnlyList<string> Columns,
    string Until,
    IReadOnlyList<IReadOnlyDictionary<string, object?>> Rows,
    long? TimeoutMs = 0)
    : OvsdbOperation("wait", Table)
{
    protected override void WriteBody(Utf8JsonWriter writer)
    {
        if (TimeoutMs is { } timeout)
        {
            writer.WriteNumber("timeout", timeout);
        }

        WriteWhere(writer, Where);
        WriteColumns(writer, Columns);
        writer.WriteString("until", Until);
        writer.WritePropertyName("rows");
        writer.WriteStartArray();
        foreach (var row in Rows)
        {
            writer.WriteStartObject();
            foreach (var (column, value) in row)
            {
                writer.WritePropertyName(column);
                OvsdbJson.WriteValue(writer, value);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }
}

/// <summary>Adds a comment to the database log.</summary>
public sealed record CommentOperation(string Comment) : OvsdbOperation("comment", null)
{
    protected override void WriteBody(Utf8JsonWriter writer) => writer.WriteString("comment", Comment);
}

/// <summary>Fails the transaction unless this client holds the named lock.</summary>
public sealed record AssertOperation(string Lock) : OvsdbOperation("assert", null)
{
    protected override void WriteBody(Utf8JsonWriter writer) => writer.WriteString("lock", Lock);
}
