using System;
using Amazon;
using Amazon.Runtime;
using Amazon.SecurityToken;

namespace KinesisXAcct.Sessions
{
    /// <summary>Builds STS clients for a region and an optional endpoint override (emulators, VPC endpoints).</summary>
    public static class StsClientFactory
    {
        public static IAmazonSecurityTokenService Create(AWSCredentials credentials, string region, Uri endpoint)
        {
            var config = new AmazonSecurityTokenServiceConfig { MaxErrorRetry = 3, Timeout = TimeSpan.FromSeconds(30) };
            if (endpoint != null)
            {
                config.ServiceURL = endpoint.ToString();
                config.AuthenticationRegion = region;
            }
            else
            {
                config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
            }

            return new AmazonSecurityTokenServiceClient(credentials, config);
        }
    }
}
