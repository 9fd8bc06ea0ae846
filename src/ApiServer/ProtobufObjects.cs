using System.Text.Json.Nodes;

namespace VmNet.ApiServer;

/// <summary>
/// Decodes the protobuf bodies kubectl's generator commands send (`kubectl create namespace|configmap|secret|
/// serviceaccount`) into JSON. Other kinds have no schema here and are refused with 415.
/// </summary>
internal static class ProtobufObjects
{
    private static readonly byte[] Magic = [0x6b, 0x38, 0x73, 0x00];

    public static JsonObject Decode(ReadOnlySpan<byte> body)
    {
        if (!body.StartsWith(Magic))
        {
            throw KubeApiException.BadRequest("invalid protobuf body: missing the k8s\\0 prefix");
        }

        var reader = new ProtobufReader(body[Magic.Length..]);
        string apiVersion = string.Empty, kind = string.Empty;
        ReadOnlySpan<byte> raw = default;
        while (reader.TryReadKey(out var field, out var wire))
        {
            switch (field)
            {
                case 1:
                    var typeMeta = new ProtobufReader(reader.ReadBytes());
                    while (typeMeta.TryReadKey(out var f, out var w))
                    {
                        if (f == 1) apiVersion = typeMeta.ReadString();
                        else if (f == 2) kind = typeMeta.ReadString();
                        else typeMeta.Skip(w);
                    }

                    break;
                case 2:
                    raw = reader.ReadBytes();
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        var obj = new JsonObject { ["apiVersion"] = apiVersion, ["kind"] = kind };
        var body2 = new ProtobufReader(raw);
        while (body2.TryReadKey(out var field, out var wire))
        {
            switch ((apiVersion, kind, field))
            {
                case (_, _, 1):
                    obj["metadata"] = ObjectMeta(body2.ReadBytes());
                    break;
                case ("v1", "Namespace", 2):
                    var spec = new ProtobufReader(body2.ReadBytes());
                    var finalizers = new JsonArray();
                    while (spec.TryReadKey(out var f, out var w))
                    {
                        if (f == 1) finalizers.Add(spec.ReadString());
                        else spec.Skip(w);
                    }

                    obj["spec"] = new JsonObject { ["finalizers"] = finalizers };
                    break;
                case ("v1", "ConfigMap", 2):
                    AddMapEntry(obj, "data", body2.ReadBytes(), base64: false);
                    break;
                case ("v1", "ConfigMap", 3):
                case ("v1", "Secret", 2):
                    AddMapEntry(obj, field == 3 ? "binaryData" : "data", body2.ReadBytes(), base64: true);
                    break;
                case ("v1", "Secret", 3):
                    obj["type"] = body2.ReadString();
                    break;
                case ("v1", "Secret", 4):
                    AddMapEntry(obj, "stringData", body2.ReadBytes(), base64: false);
                    break;
                case ("v1", "ConfigMap", 4):
                case ("v1", "Secret", 5):
                    obj["immutable"] = body2.ReadVarint() != 0;
                    break;
                case ("v1", "Namespace" or "ConfigMap" or "Secret" or "ServiceAccount", _):
                    body2.Skip(wire);
                    break;
                default:
                    throw new KubeApiException(415, "UnsupportedMediaType", $"protobuf bodies of {apiVersion} {kind} are not supported; send application/json");
            }
        }

        return obj;
    }

    private static JsonObject ObjectMeta(ReadOnlySpan<byte> bytes)
    {
        var meta = new JsonObject();
        var reader = new ProtobufReader(bytes);
        while (reader.TryReadKey(out var field, out var wire))
        {
            switch (field)
            {
                case 1: meta["name"] = reader.ReadString(); break;
                case 2: meta["generateName"] = reader.ReadString(); break;
                case 3: meta["namespace"] = reader.ReadString(); break;
                case 6: meta["resourceVersion"] = reader.ReadString(); break;
                case 11: AddMapEntry(meta, "labels", reader.ReadBytes(), base64: false); break;
                case 12: AddMapEntry(meta, "annotations", reader.ReadBytes(), base64: false); break;
                case 14:
                    if (meta["finalizers"] is not JsonArray finalizers)
                    {
                        finalizers = [];
                        meta["finalizers"] = finalizers;
                    }

                    finalizers.Add(reader.ReadString());
                    break;
                default: reader.Skip(wire); break;
            }
        }

        return meta;
    }

    // Protobuf maps are repeated entries {1: key, 2: value}.
    private static void AddMapEntry(JsonObject target, string property, ReadOnlySpan<byte> entry, bool base64)
    {
        if (target[property] is not JsonObject map)
        {
            map = [];
            target[property] = map;
        }

        var reader = new ProtobufReader(entry);
        string key = string.Empty;
        JsonNode? value = string.Empty;
        while (reader.TryReadKey(out var field, out var wire))
        {
            if (field == 1) key = reader.ReadString();
            else if (field == 2) value = base64 ? Convert.ToBase64String(reader.ReadBytes()) : reader.ReadString();
            else reader.Skip(wire);
        }

        map[key] = value;
    }
}
