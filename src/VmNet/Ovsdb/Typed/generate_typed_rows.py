#!/usr/bin/env python3
"""Generates the typed OVSDB row records from the installed .ovsschema files.

Run from the repository root after an OVN/OVS schema upgrade:
    python3 src/VmNet/Ovsdb/Typed/generate_typed_rows.py
The schema drift test compares the generated columns with the live server's get_schema.
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
OVSDB = os.path.dirname(HERE)

TARGETS = [
    ("/usr/share/ovn/ovn-nb.ovsschema", "Northbound", [
        "NB_Global", "Logical_Switch", "Logical_Switch_Port", "Logical_Router", "Logical_Router_Port",
        "Logical_Router_Static_Route", "Logical_Router_Policy", "ACL", "Address_Set", "Port_Group",
        "Load_Balancer", "Load_Balancer_Group", "NAT", "DHCP_Options", "Gateway_Chassis", "QoS",
        "HA_Chassis_Group", "HA_Chassis"]),
    ("/usr/share/openvswitch/vswitch.ovsschema", "Vswitch", [
        "Open_vSwitch", "Bridge", "Port", "Interface", "QoS", "Queue"]),
]

ATOM_CLR = {"integer": "long", "real": "double", "boolean": "bool", "string": "string", "uuid": "Guid"}
ATOM_GETTER = {"integer": "Integer", "real": "Real", "boolean": "Boolean", "string": "String", "uuid": "Uuid"}


def pascal(name):
    parts = [p for p in name.replace("-", "_").split("_") if p]
    out = ""
    for p in parts:
        out += p[0].upper() + (p[1:].lower() if p.isupper() and len(p) > 1 else p[1:])
    if out[0].isdigit():
        out = "N" + out
    return out


def base(t):
    if isinstance(t, str):
        return {"type": t}
    return t


def shape(col_type):
    if isinstance(col_type, str):
        return base(col_type), None, 1, 1
    key = base(col_type["key"])
    value = base(col_type["value"]) if "value" in col_type else None
    mn = col_type.get("min", 1)
    mx = col_type.get("max", 1)
    mx = 1 << 62 if mx == "unlimited" else mx
    return key, value, mn, mx


def enum_values(b):
    e = b.get("enum")
    if e is None:
        return None
    if isinstance(e, list) and e and e[0] == "set":
        return e[1]
    return [e]


def column_code(cls, col, spec):
    key, value, mn, mx = shape(spec["type"])
    prop = pascal(col)
    if prop == cls or prop == "Uuid":
        prop += "Value"
    k = key["type"]
    attr = f'[OvsdbColumn("{col}"' + (f', RefTable = "{key["refTable"]}"' if "refTable" in key else "") + ")]"
    if value is not None:
        v = value["type"]
        clr = f"IReadOnlyDictionary<{ATOM_CLR[k]}, {ATOM_CLR[v]}>"
        init = f"new Dictionary<{ATOM_CLR[k]}, {ATOM_CLR[v]}>()"
        read = f'row.GetMap<{ATOM_CLR[k]}, {ATOM_CLR[v]}>("{col}")'
        write = f'if ({prop}.Count > 0) {{ columns["{col}"] = OvsdbMap.Of({prop}); }}'
    elif mn == 1 and mx == 1:
        clr = ATOM_CLR[k]
        defaults = {"integer": "0", "real": "0", "boolean": "false", "string": '""', "uuid": "Guid.Empty"}
        init = defaults[k] if k == "string" else None
        read = f'row.Get{ATOM_GETTER[k]}("{col}")'
        cond = {"integer": f"{prop} != 0", "real": f"{prop} != 0", "boolean": prop,
                "string": f"{prop}.Length > 0", "uuid": f"{prop} != Guid.Empty"}[k]
        write = f'if ({cond}) {{ columns["{col}"] = {prop}; }}'
    elif mx == 1:
        clr = ATOM_CLR[k] + "?"
        init = None
        read = f'row.GetOptional{ATOM_GETTER[k]}("{col}")'
        val = prop if k == "string" else f"{prop}.Value"
        write = f'if ({prop} is not null) {{ columns["{col}"] = {val}; }}'
    else:
        clr = f"IReadOnlyList<{ATOM_CLR[k]}>"
        init = "[]"
        read = f'row.GetSet<{ATOM_CLR[k]}>("{col}")'
        write = f'if ({prop}.Count > 0) {{ columns["{col}"] = OvsdbSet.From({prop}); }}'
    if value is not None:
        write_all = f'columns["{col}"] = OvsdbMap.Of({prop});'
    elif mn == 1 and mx == 1:
        write_all = f'columns["{col}"] = {prop};'
    elif mx == 1:
        write_all = f'columns["{col}"] = {prop};'  # a null Nullable<T> boxes to null: the empty set
    else:
        write_all = f'columns["{col}"] = OvsdbSet.From({prop});'
    lines = []
    enums = enum_values(key) if value is None else None
    if enums and k == "string":
        lines.append(f"    /// <summary>Allowed values of <c>{col}</c>.</summary>")
        lines.append(f"    public static class {prop}Values")
        lines.append("    {")
        for e in enums:
            lines.append(f'        public const string {pascal(e)} = "{e}";')
        lines.append("    }")
        lines.append("")
    lines.append(f"    {attr}")
    lines.append(f"    public {clr} {prop} {{ get; init; }}" + (f" = {init};" if init else ""))
    lines.append("")
    return prop, lines, f"        {prop} = {read},", f"        {write}", f"        {write_all}"


def generate(schema_path, namespace, tables):
    schema = json.load(open(schema_path))
    outdir = os.path.join(OVSDB, namespace, "Generated")
    os.makedirs(outdir, exist_ok=True)
    for old in os.listdir(outdir):
        if old.endswith(".g.cs"):
            os.remove(os.path.join(outdir, old))
    for table in tables:
        spec = schema["tables"][table]
        cls = pascal(table)
        props, reads, writes, writes_all = [], [], [], []
        for col in sorted(spec["columns"]):
            _, lines, read, write, write_all = column_code(cls, col, spec["columns"][col])
            props.extend(lines)
            reads.append(read)
            writes.append(write)
            writes_all.append(write_all)
        text = f"""// <auto-generated>
// Generated by src/VmNet/Ovsdb/Typed/generate_typed_rows.py from {os.path.basename(schema_path)} ({schema['name']} {schema['version']}).
// Do not edit: re-run the generator. The schema drift test checks it against the live server.
// </auto-generated>
#nullable enable
using VmNet.Ovsdb.Cache;
using VmNet.Ovsdb.Typed;
using VmNet.Ovsdb.Values;

namespace VmNet.Ovsdb.{namespace};

/// <summary>A row of {schema['name']} table <c>{table}</c>.</summary>
[OvsdbTable("{schema['name']}", "{table}")]
public sealed partial record {cls} : IOvsdbTypedRow<{cls}>
{{
    public const string Table = "{table}";

    public static string TableName => Table;

    /// <summary>The row's <c>_uuid</c> (Guid.Empty for a row not yet inserted).</summary>
    public Guid Uuid {{ get; init; }}

""" + "\n".join(props) + f"""    public static {cls} FromRow(OvsdbRow row) => new()
    {{
        Uuid = row.Uuid,
""" + "\n".join(reads) + f"""
    }};

    public Dictionary<string, object?> ToColumns()
    {{
        var columns = new Dictionary<string, object?>(StringComparer.Ordinal);
""" + "\n".join(writes) + """
        return columns;
    }

    public Dictionary<string, object?> ToAllColumns()
    {
        var columns = new Dictionary<string, object?>(StringComparer.Ordinal);
""" + "\n".join(writes_all) + """
        return columns;
    }
}
"""
        with open(os.path.join(outdir, cls + ".g.cs"), "w") as f:
            f.write(text)


for path, ns, tables in TARGETS:
    generate(path, ns, tables)
