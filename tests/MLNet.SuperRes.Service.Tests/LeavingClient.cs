using System.Net;
using System.Text.Json;

namespace MLNet.SuperRes.Service.Tests;

/// <summary>
/// A client that uploads an image asking for events, reads some, then hangs up as a closed browser tab does
/// (<see cref="ServiceHost.HangingUpClient"/>).
/// </summary>
public sealed class LeavingClient : IAsyncDisposable
{
    private readonly HttpClient _client;
    private readonly CancellationTokenSource _leave;
    private readonly HttpResponseMessage _response;
    private readonly IAsyncEnumerator<(string Name, JsonElement Data)> _events;

    private LeavingClient(HttpClient client, HttpResponseMessage response, CancellationTokenSource leave)
    {
        _client = client;
        _response = response;
        _leave = leave;
        _events = Uploads.EventsAsync(response, leave.Token).GetAsyncEnumerator();
    }

    public static async Task<LeavingClient> UploadAsync(ServiceHost host, byte[] image)
    {
        var client = host.HangingUpClient();
        var leave = new CancellationTokenSource();
        try
        {
            // The token given to SendAsync stays on the response: cancelling it aborts the connection at once, where
            // disposing an unread response alone was seen to leave it open, and the image to run to its end.
            var response = await client.SendAsync(Uploads.Post(image, events: true), HttpCompletionOption.ResponseHeadersRead, leave.Token);
            return new LeavingClient(client, response, leave);
        }
        catch
        {
            client.Dispose();
            leave.Dispose();
            throw;
        }
    }

    public HttpStatusCode StatusCode => _response.StatusCode;

    /// <summary>The next event, or null when the answer ended.</summary>
    public async Task<(string Name, JsonElement Data)?> NextEventAsync() => await _events.MoveNextAsync() ? _events.Current : null;

    /// <summary>Hangs up.</summary>
    public async ValueTask DisposeAsync()
    {
        _leave.Cancel();
        await _events.DisposeAsync();
        _response.Dispose();
        _client.Dispose();
        _leave.Dispose();
    }
}
