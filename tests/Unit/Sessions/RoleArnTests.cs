using KinesisXAcct.Errors;
using KinesisXAcct.Sessions;
using Xunit;

namespace KinesisXAcct.Tests.Unit.Sessions;

public class RoleArnTests
{
    [Theory]
    [InlineData("arn:aws:iam::239641032376:role/hmh_kinesis_consumer_role", "aws", "239641032376", "hmh_kinesis_consumer_role")]
    [InlineData("arn:aws-cn:iam::111122223333:role/reader", "aws-cn", "111122223333", "reader")]
    [InlineData("arn:aws-us-gov:iam::111122223333:role/reader", "aws-us-gov", "111122223333", "reader")]
    [InlineData("arn:aws:iam::111122223333:role/service-role/reader", "aws", "111122223333", "reader")]
    [InlineData("arn:aws:iam::111122223333:role/a/b/c/reader", "aws", "111122223333", "reader")]
    [InlineData("arn:aws:iam::111122223333:role/a+b=c,d.e@f-g_h", "aws", "111122223333", "a+b=c,d.e@f-g_h")]
    [InlineData("arn:aws:iam::111122223333:role/1234567890123456789012345678901234567890123456789012345678901234", "aws", "111122223333", "1234567890123456789012345678901234567890123456789012345678901234")]
    public void Role_ARNs_are_taken_apart_into_partition_account_and_name(string value, string partition, string account, string name)
    {
        Assert.True(RoleArn.TryParse(value, out RoleArn arn));

        Assert.Equal(value, arn.Value);
        Assert.Equal(partition, arn.Partition);
        Assert.Equal(account, arn.AccountId);
        Assert.Equal(name, arn.RoleName);
        Assert.Equal(value, arn.ToString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("reader")]
    [InlineData("arn:aws:iam::11112222333:role/reader")]        // 11-digit account
    [InlineData("arn:aws:iam::1111222233334:role/reader")]      // 13-digit account
    [InlineData("arn:aws:iam::١١١١٢٢٢٢٣٣٣٣:role/reader")]       // digits, but not ASCII ones
    [InlineData("arn:aws:iam::111122223333:user/alice")]
    [InlineData("arn:aws:iam::111122223333:reader")]            // missing role/
    [InlineData("arn:aws:iam::111122223333:role/")]
    [InlineData("arn:aws:iam::111122223333:role/path/")]
    [InlineData("arn:aws:sts::111122223333:assumed-role/reader/session")]
    [InlineData("arn:aws:iam:us-east-1:111122223333:role/reader")] // IAM ARNs have no region
    [InlineData("arn:aws-xx:iam::111122223333:role/reader")]
    [InlineData("arn:aws:iam::111122223333:role/has space")]
    [InlineData("arn:aws:iam::111122223333:role/réader")]
    [InlineData(" arn:aws:iam::111122223333:role/reader")]
    [InlineData("arn:aws:iam::111122223333:role/reader ")]
    [InlineData("arn:aws:iam::111122223333:role/reader\n")]   // .NET's $ would also match before a final newline
    [InlineData("arn:aws:iam::111122223333:role/12345678901234567890123456789012345678901234567890123456789012345")] // 65-character name
    public void Anything_but_an_IAM_role_ARN_is_refused(string value)
    {
        Assert.False(RoleArn.TryParse(value, out RoleArn arn));
        Assert.Null(arn);
    }

    [Fact]
    public void Parsing_an_invalid_ARN_fails_with_an_example_of_a_valid_one()
    {
        var e = Assert.Throws<KinesisXAcctException>(() => RoleArn.Parse("arn:aws:iam::111122223333:user/alice"));

        Assert.Equal("InvalidRoleArn", e.ErrorId);
        Assert.Equal(FailureKind.InvalidArgument, e.Kind);
        Assert.Equal("arn:aws:iam::111122223333:user/alice", e.Target);
        Assert.Contains("arn:aws:iam::<12-digit account>:role/<name>", e.Message);
    }

    [Fact]
    public void An_ARN_longer_than_2048_characters_is_refused()
    {
        string path = string.Concat(Enumerable.Repeat("p/", 1100));

        Assert.False(RoleArn.TryParse($"arn:aws:iam::111122223333:role/{path}reader", out _));
    }
}
