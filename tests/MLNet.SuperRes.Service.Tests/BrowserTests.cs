using Microsoft.Playwright;
using Xunit.Abstractions;

namespace MLNet.SuperRes.Service.Tests;

/// <summary>
/// The page in a real browser: Debian's Chromium, headless, driven by Playwright (its own browser download is not
/// used; <c>CHROMIUM</c> names another executable). It uploads the test card, follows the progress bar to the end,
/// checks the result, the slider and the download link, and saves a screenshot to artifacts/screenshots/.
/// </summary>
public sealed class BrowserTests(ITestOutputHelper output)
{
    private static string Chromium => Environment.GetEnvironmentVariable("CHROMIUM") ?? "/usr/bin/chromium";

    [Fact]
    public async Task ThePage_UploadsTheTestCard_ShowsProgressThenTheResultBesideTheInput()
    {
        Assert.True(File.Exists(Chromium), $"No browser at {Chromium}: install Debian's chromium (apt-get install chromium), as .ci/run does, or set CHROMIUM.");
        // One ONNX Runtime thread: its threads spin while they wait, and the browser needs the other core.
        using var host = new ServiceHost(("Workers", "1"), ("ThreadsPerImage", "1"));
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = Chromium, Headless = true, Args = ["--no-sandbox"] });
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1000, Height = 900 } });
        var errors = new List<string>();
        page.PageError += (_, message) => errors.Add(message);

        await page.GotoAsync(host.Address.ToString());
        await page.Locator("#scale option[value='2']").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        Assert.Equal("Ready: 1 worker(s) on CPU.", await page.Locator("#status").TextContentAsync());

        // Every value the bar takes, with when: it must move through the tiles as they finish, not jump to full.
        await page.EvaluateAsync("""
            () => { window.barSeen = []; const bar = document.getElementById('bar');
                    new MutationObserver(records => window.barSeen.push([Math.round(performance.now()), bar.value, bar.max, records.length]))
                        .observe(bar, { attributes: true }); }
            """);
        await page.Locator("#file").SetInputFilesAsync(Uploads.TestCardPath);
        await page.Locator("#result").WaitForAsync(new() { Timeout = 120_000 });
        var seen = await page.EvaluateAsync<double[][]>("() => window.barSeen");
        double tileCount = seen[^1][2];
        var tiles = seen.Where(s => s[2] == tileCount).ToArray();
        output.WriteLine("progress bar (ms, tiles): " + string.Join(" ", tiles.Select(s => $"{s[0]:F0}:{s[1]}({s[3]})")));
        Assert.True(tiles.Select(s => s[1]).Distinct().Count() >= 10, "the bar moved through fewer than 10 steps");
        Assert.True(tiles[^1][0] - tiles[0][0] > 500, "the steps came in one burst, not as the tiles finished");

        Assert.Equal(35d, tileCount); // the test card's 7 x 5 tiles of 40
        Assert.Equal(tileCount, await page.EvalOnSelectorAsync<double>("#bar", "b => b.value"));
        Assert.Equal("Done: 480×320.", await page.Locator("#status").TextContentAsync());
        Assert.Equal(new[] { 480, 320 }, await page.EvalOnSelectorAsync<int[]>("#after", "i => [i.naturalWidth, i.naturalHeight]"));
        Assert.Equal(new[] { 240, 160 }, await page.EvalOnSelectorAsync<int[]>("#before", "i => [i.naturalWidth, i.naturalHeight]"));
        Assert.Equal("test-card-x2.png", await page.Locator("#download").GetAttributeAsync("download"));
        Assert.StartsWith("blob:", await page.Locator("#download").GetAttributeAsync("href"));

        // The slider moves the split between input and result.
        await page.Locator("#slider").FillAsync("30");
        Assert.Equal("30%", await page.EvalOnSelectorAsync<string>("#compare", "c => c.style.getPropertyValue('--split')"));
        var before = await page.Locator("#before").BoundingBoxAsync();
        var divider = await page.Locator("#divider").BoundingBoxAsync();
        Assert.InRange(divider!.X - before!.X, 0.28 * before.Width, 0.32 * before.Width);

        // The downloaded file is the service's answer.
        var download = await page.RunAndWaitForDownloadAsync(() => page.Locator("#download").ClickAsync());
        string saved = Path.Combine(Directory.CreateTempSubdirectory("superres-download-").FullName, download.SuggestedFilename);
        await download.SaveAsAsync(saved);
        Assert.Equal(host.Expected(Uploads.TestCard), await File.ReadAllBytesAsync(saved));

        string screenshot = Path.Combine(SharedData.RepoRoot, "artifacts", "screenshots", "service-page.png");
        Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
        await page.ScreenshotAsync(new() { Path = screenshot, FullPage = true });
        output.WriteLine("screenshot: " + screenshot);
        Assert.Empty(errors);
    }
}
