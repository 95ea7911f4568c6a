namespace MLNet.SuperRes.Service.Tests;

/// <summary>Settings that cannot work stop the start, naming the setting; nothing half-starts.</summary>
public sealed class SettingsTests
{
    [Fact]
    public async Task StripMetadata_AnswersWithoutTheExif_AndWithTheProfile()
    {
        using var host = new ServiceHost(("StripMetadata", "true"));
        using var client = host.CreateClient();
        byte[] profile = OrientedPhotos.IccProfile(132);
        using var response = await client.SendAsync(Uploads.Post(OrientedPhotos.PhoneJpeg(orientation: 1, profile), "scale=2&format=jpeg"));
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        var answer = ImageFiles.ReadMetadata(new MemoryStream(await response.Content.ReadAsByteArrayAsync()), "answer");
        Assert.True(answer.Exif.IsEmpty);
        Assert.Equal(profile, answer.IccProfile.ToArray());
    }

    [Theory]
    [InlineData("Workers", "-1", "Upscaling:Workers must be from 0 to 256 (0: one per core), got '-1'.")]
    [InlineData("QueueLength", "-5", "Upscaling:QueueLength must be from 0 to 100000, got '-5'.")]
    [InlineData("MaxInputPixels", "0", "Upscaling:MaxInputPixels must be from 1 to 16777216, got '0'.")]
    [InlineData("Provider", "tpu", "Upscaling:Provider must be auto, cuda or cpu, got 'tpu'.")]
    [InlineData("Scales:1", "2", "Upscaling:Scales must name each scale once, got '2, 2'.")]
    [InlineData("Models:3", "x3.onnx", "Upscaling:Models:3 must be one of the served scales (2), got '3'.")]
    [InlineData("Models:2", "/nonexistent/x2.onnx", "Upscaling:Models:2: the model file '/nonexistent/x2.onnx' does not exist.")]
    [InlineData("Scales:0", "8", "Upscaling:Scales names x8, which has no embedded default: give its model as Upscaling:Models:8.")]
    [InlineData("UploadTimeoutSeconds", "0", "Upscaling:UploadTimeoutSeconds must be from 1 to 86400, got '0'.")]
    public void AnAbsurdSetting_StopsTheStart_NamingIt(string key, string value, string message)
    {
        var e = Assert.ThrowsAny<Exception>(() => new ServiceHost((key, value)).Dispose());
        while (e.InnerException is not null && e is not InvalidOperationException) e = e.InnerException;
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void AMisspelledSetting_StopsTheStart_NamingIt()
    {
        var e = Assert.ThrowsAny<Exception>(() => new ServiceHost(("QueueLenght", "8")).Dispose());
        while (e.InnerException is not null && !e.Message.Contains("QueueLenght")) e = e.InnerException;
        Assert.Contains("'QueueLenght'", e.Message);
    }
}
