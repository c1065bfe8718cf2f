using System;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using System.Numerics;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace KinesisXAcct.Commands.Infrastructure
{
    /// <summary>
    /// JSON to PowerShell objects the way ConvertFrom-Json (PowerShell 7) does it: objects become
    /// PSCustomObjects, integers Int64 (BigInteger when larger), other numbers Double, ISO 8601
    /// date-times DateTime, arrays object[] — without a nested pipeline per record.
    /// </summary>
    internal static class JsonToPowerShell
    {
        private static readonly Regex IsoDateTime = new Regex(
            @"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})?$", RegexOptions.CultureInvariant);

        /// <summary>Parses a document; throws <see cref="JsonException"/> when it is not JSON.</summary>
        public static object Parse(byte[] utf8)
        {
            using (JsonDocument document = JsonDocument.Parse(utf8, new JsonDocumentOptions { MaxDepth = 1024 }))
                return Convert(document.RootElement);
        }

        private static object Convert(JsonElement e)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.Object:
                    var o = new PSObject();
                    foreach (JsonProperty p in e.EnumerateObject())
                    {
                        // ConvertFrom-Json refuses keys that differ only in case; so do we, rather than keep one silently.
                        if (o.Properties[p.Name] != null) throw new JsonException($"The key '{p.Name}' appears twice (keys are case-insensitive in PowerShell).");
                        o.Properties.Add(new PSNoteProperty(p.Name, Convert(p.Value)));
                    }
                    return o;
                case JsonValueKind.Array:
                    var list = new List<object>(e.GetArrayLength());
                    foreach (JsonElement item in e.EnumerateArray()) list.Add(Convert(item));
                    return list.ToArray();
                case JsonValueKind.String:
                    string s = e.GetString();
                    return IsoDateTime.IsMatch(s) ? DateOrString(s) : s;
                case JsonValueKind.Number:
                    if (e.TryGetInt64(out long l)) return l;
                    string raw = e.GetRawText();
                    if (raw.IndexOfAny(new[] { '.', 'e', 'E' }) < 0 && BigInteger.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out BigInteger big))
                        return big;
                    return e.GetDouble();
                case JsonValueKind.True:
                    return true;
                case JsonValueKind.False:
                    return false;
                default:
                    return null;
            }
        }

        private static object DateOrString(string s)
        {
            if (s.EndsWith("Z", StringComparison.Ordinal))
                return DateTime.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out DateTime utc) ? (object)utc : s;
            if (s.Length > 19 && (s[s.Length - 6] == '+' || s[s.Length - 6] == '-'))
                return DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.None, out DateTimeOffset offset) ? (object)offset.LocalDateTime : s;
            return DateTime.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.None, out DateTime plain) ? (object)DateTime.SpecifyKind(plain, DateTimeKind.Unspecified) : s;
        }
    }
}
