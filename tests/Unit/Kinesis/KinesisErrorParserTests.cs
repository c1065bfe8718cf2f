using System.Text;
using KinesisXAcct.Kinesis;
using Xunit;

namespace KinesisXAcct.Tests.Unit.Kinesis;

public class KinesisErrorParserTests
{
    private const string MotoAccessDenied =
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<ErrorResponse><Errors><Error><Code>AccessDenied</Code>" +
        "<Message>User: arn:aws:iam::111122223333:user/reader is not authorized to perform: kinesis:GetRecords</Message>" +
        "<Type>Sender</Type></Error></Errors></ErrorResponse>";

    private const string MotoSignature =
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<ErrorResponse><Errors><Error><Code>SignatureDoesNotMatch</Code>" +
        "<Message>The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key &amp; signing method.</Message>" +
        "<Type>Sender</Type></Error></Errors></ErrorResponse>";

    private const string MotoHtml500 =
        "<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n<h1>Internal Server Error</h1>\n" +
        "<p>The server encountered an internal error and was unable to complete your request.</p>\n";

    [Theory]
    [InlineData("json __type with prefix and suffix", 400, null,
        "{\"__type\":\"com.amazonaws.kinesis#ResourceNotFoundException:http://internal.amazon.com/coral/com.amazonaws.kinesis/\",\"message\":\"Stream orders under account 111122223333 not found.\"}",
        "ResourceNotFoundException", "Stream orders under account 111122223333 not found.")]
    [InlineData("json __type plain, capital Message", 400, null,
        "{\"__type\":\"ProvisionedThroughputExceededException\",\"Message\":\"Rate exceeded for shard shardId-000000000000\"}",
        "ProvisionedThroughputExceededException", "Rate exceeded for shard shardId-000000000000")]
    [InlineData("json lower-case code", 400, null, "{\"code\":\"InvalidArgumentException\",\"message\":\"bad limit\"}", "InvalidArgumentException", "bad limit")]
    [InlineData("json upper-case Code", 400, null, "{\"Code\":\"ExpiredTokenException\",\"Message\":\"The security token included in the request is expired\"}", "ExpiredTokenException", "The security token included in the request is expired")]
    [InlineData("json with explicit nulls and unknown fields", 400, null, "{\"__type\":\"ExpiredIteratorException\",\"message\":null,\"extra\":{\"a\":[1]}}", "ExpiredIteratorException", "Bad Request")]
    [InlineData("json without a code falls back to the header", 400, "ValidationException:http://internal", "{\"message\":\"1 validation error\"}", "ValidationException", "1 validation error")]
    [InlineData("header only, empty body", 400, "com.amazonaws.kinesis#LimitExceededException", "", "LimitExceededException", "Bad Request")]
    [InlineData("moto xml 403 AccessDenied", 403, "AccessDenied", MotoAccessDenied, "AccessDenied", "User: arn:aws:iam::111122223333:user/reader is not authorized to perform: kinesis:GetRecords")]
    [InlineData("moto xml 403 SignatureDoesNotMatch without header", 403, null, MotoSignature, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key & signing method.")]
    [InlineData("moto html 500", 500, null, MotoHtml500, null, "Internal Server Error")]
    [InlineData("kinesis-local empty 500", 500, null, "", null, "Internal Server Error")]
    [InlineData("whitespace-only body", 503, null, " \r\n", null, "Service Unavailable")]
    [InlineData("truncated json", 502, null, "{\"__type\":\"Internal", null, "Bad Gateway")]
    public void Error_answers_of_every_shape_reduce_to_a_normalised_code_and_message(
        string shape, int status, string header, string body, string expectedCode, string expectedMessage)
    {
        string reason = status switch { 400 => "Bad Request", 403 => "Forbidden", 500 => "Internal Server Error", 502 => "Bad Gateway", 503 => "Service Unavailable", _ => null };

        var error = KinesisErrorParser.Parse(status, header, Encoding.UTF8.GetBytes(body), reason);

        Assert.True(expectedCode == error.Code, $"{shape}: code '{error.Code}'");
        Assert.True(expectedMessage == error.Message, $"{shape}: message '{error.Message}'");
    }

    [Theory]
    [InlineData("com.amazonaws.kinesis#ResourceNotFoundException:http://internal.amazon.com/coral/com.amazonaws.kinesis/", "ResourceNotFoundException")]
    [InlineData("ResourceNotFoundException:http://x#y", "ResourceNotFoundException")]
    [InlineData("aws.protocoltests#ThrottlingException", "ThrottlingException")]
    [InlineData(" AccessDenied ", "AccessDenied")]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void Error_codes_lose_their_namespace_prefix_and_uri_suffix(string raw, string expected)
    {
        Assert.Equal(expected, KinesisErrorParser.NormalizeCode(raw));
    }

    [Fact]
    public async Task Through_the_client_a_moto_xml_403_becomes_a_permission_failure_naming_the_operation()
    {
        var transport = new FakeTransport().Error(System.Net.HttpStatusCode.Forbidden, MotoAccessDenied, "application/xml", "AccessDenied");
        using var client = TestClients.Create(transport);

        var ex = await Assert.ThrowsAsync<KinesisServiceException>(() => client.ListStreamsAsync(new ListStreamsRequest(), default));

        Assert.Equal("AccessDenied", ex.ErrorCode);
        Assert.Equal(403, ex.StatusCode);
        Assert.Equal("ListStreams", ex.Operation);
        Assert.Contains("not authorized to perform: kinesis:GetRecords", ex.Message);
    }
}
