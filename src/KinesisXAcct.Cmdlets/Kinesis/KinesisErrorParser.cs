using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace KinesisXAcct.Kinesis
{
    /// <summary>An error answer reduced to what matters: the normalised code (may be null) and the service's message.</summary>
    internal readonly struct KinesisError
    {
        public KinesisError(string code, string message)
        {
            Code = code;
            Message = message;
        }

        public string Code { get; }
        public string Message { get; }
    }

    /// <summary>
    /// Reads an error answer in any of the shapes seen from AWS and the emulators:
    /// JSON (<c>__type</c>, <c>code</c> or <c>Code</c>, with <c>message</c> or <c>Message</c>),
    /// the <c>x-amzn-ErrorType</c> header, XML (<c>&lt;Code&gt;</c>/<c>&lt;Message&gt;</c>, moto's 403s),
    /// and HTML or empty bodies (no code: the caller goes by the status).
    /// </summary>
    internal static class KinesisErrorParser
    {
        public const string ErrorTypeHeader = "x-amzn-ErrorType";

        private static readonly Regex XmlCode = new Regex(@"<Code>\s*([^<]*?)\s*</Code>", RegexOptions.CultureInvariant);
        private static readonly Regex XmlMessage = new Regex(@"<Message>\s*([^<]*?)\s*</Message>", RegexOptions.CultureInvariant | RegexOptions.Singleline);

        public static KinesisError Parse(int statusCode, HttpResponseHeaders headers, ReadOnlySpan<byte> body, string reasonPhrase = null)
        {
            string headerType = null;
            if (headers != null && headers.TryGetValues(ErrorTypeHeader, out IEnumerable<string> values))
                headerType = values.FirstOrDefault();
            return Parse(statusCode, headerType, body, reasonPhrase);
        }

        public static KinesisError Parse(int statusCode, string errorTypeHeader, ReadOnlySpan<byte> body, string reasonPhrase = null)
        {
            string code = null;
            string message = null;

            int start = FirstNonWhitespace(body);
            if (start >= 0 && body[start] == (byte)'{')
            {
                TryReadJson(body, out code, out message);
            }
            else if (start >= 0 && body[start] == (byte)'<')
            {
                string text = Encoding.UTF8.GetString(body.Slice(start).ToArray());
                if (!LooksLikeHtml(text))
                {
                    var c = XmlCode.Match(text);
                    if (c.Success) code = WebUtility.HtmlDecode(c.Groups[1].Value);
                    var m = XmlMessage.Match(text);
                    if (m.Success) message = WebUtility.HtmlDecode(m.Groups[1].Value);
                }
            }

            code = NormalizeCode(code);
            if (code == null) code = NormalizeCode(errorTypeHeader);
            if (string.IsNullOrEmpty(message))
                message = string.IsNullOrEmpty(reasonPhrase) ? null : reasonPhrase;
            return new KinesisError(code, message);
        }

        /// <summary>
        /// <c>com.amazonaws.kinesis#ResourceNotFoundException:http://internal.amazon.com/...</c> → <c>ResourceNotFoundException</c>.
        /// The <c>:suffix</c> goes first (it is a URL and may contain a <c>#</c>), then the <c>prefix#</c>.
        /// </summary>
        public static string NormalizeCode(string code)
        {
            if (code == null) return null;
            code = code.Trim();
            int colon = code.IndexOf(':');
            if (colon >= 0) code = code.Substring(0, colon);
            int hash = code.LastIndexOf('#');
            if (hash >= 0) code = code.Substring(hash + 1);
            code = code.Trim();
            return code.Length == 0 ? null : code;
        }

        private static void TryReadJson(ReadOnlySpan<byte> body, out string code, out string message)
        {
            code = null;
            message = null;
            try
            {
                var r = new Utf8JsonReader(body, isFinalBlock: true, state: default);
                if (!r.Read() || r.TokenType != JsonTokenType.StartObject) return;
                string type = null, lowerCode = null, upperCode = null, lowerMessage = null, upperMessage = null;
                while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
                {
                    ref string slot = ref type;
                    bool known = true;
                    if (r.ValueTextEquals("__type"u8)) slot = ref type;
                    else if (r.ValueTextEquals("code"u8)) slot = ref lowerCode;
                    else if (r.ValueTextEquals("Code"u8)) slot = ref upperCode;
                    else if (r.ValueTextEquals("message"u8)) slot = ref lowerMessage;
                    else if (r.ValueTextEquals("Message"u8)) slot = ref upperMessage;
                    else known = false;

                    r.Read();
                    if (known && r.TokenType == JsonTokenType.String) slot = r.GetString();
                    else r.Skip();
                }
                code = type ?? lowerCode ?? upperCode;
                message = lowerMessage ?? upperMessage;
            }
            catch (JsonException)
            {
                // A truncated or malformed error body: whatever was read before stays unused; the status decides.
            }
        }

        private static bool LooksLikeHtml(string text)
        {
            return text.IndexOf("<html", StringComparison.OrdinalIgnoreCase) >= 0
                || text.IndexOf("<!DOCTYPE html", StringComparison.OrdinalIgnoreCase) >= 0;
        }

        private static int FirstNonWhitespace(ReadOnlySpan<byte> body)
        {
            for (int i = 0; i < body.Length; i++)
            {
                byte b = body[i];
                if (b == 0xEF && i + 2 < body.Length && body[i + 1] == 0xBB && body[i + 2] == 0xBF) { i += 2; continue; } // BOM
                if (b != (byte)' ' && b != (byte)'\t' && b != (byte)'\r' && b != (byte)'\n') return i;
            }
            return -1;
        }
    }
}
