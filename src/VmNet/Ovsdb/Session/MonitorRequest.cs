using VmNet.Ovsdb.Operations;

namespace VmNet.Ovsdb.Session;

/// <summary>What to monitor in one table: columns (null = all) and an optional condition (monitor_cond).</summary>
public sealed record MonitorRequest(string Table, IReadOnlyList<string>? Columns = null, IReadOnlyList<Condition>? Where = null);

/// <summary>The reply to monitor_cond_since: whether the server still had our last transaction, its newest txn id, and the updates.</summary>
public sealed record MonitorSinceReply(bool Found, Guid LastTransactionId, IReadOnlyList<TableUpdate> Updates);

/// <summary>An update2/update3 notification of one monitor.</summary>
public sealed record UpdateNotification(string MonitorId, Guid? LastTransactionId, IReadOnlyList<TableUpdate> Updates);
