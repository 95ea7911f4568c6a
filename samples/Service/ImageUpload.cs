using System.Globalization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Service;

/// <summary>
/// Reads the uploaded file into memory, as the raw request body or as the first file of a multipart form:
/// never more than the byte limit of the whole body, never to disk, and not longer than the upload deadline.
/// </summary>
internal static class ImageUpload
{
    /// <summary>RFC 2046's longest multipart boundary.</summary>
    private const int MaxBoundaryLength = 70;

    /// <summary>Refuses a declared body over the limit, before anything else is done with the request.</summary>
    public static void CheckDeclaredLength(HttpRequest request, long maxBytes)
    {
        if (request.ContentLength > maxBytes)
            throw TooLarge(request.ContentLength, maxBytes);
    }

    /// <summary>
    /// The bytes of the upload, and a name for them in messages (the form's file name, else "upload"). The caller has
    /// refused a declared length over the limit (<see cref="CheckDeclaredLength"/>) before taking a place for it.
    /// </summary>
    public static async Task<(MemoryStream Bytes, string Name)> ReadAsync(HttpRequest request, long maxBytes, TimeSpan deadline, CancellationToken cancellationToken)
    {
        // The server's own limit would answer first with a bare 413; the counting stream below holds the body to ours.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } serverLimit)
            serverLimit.MaxRequestBodySize = null;
        var body = new CountingStream(request.Body, maxBytes);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(deadline);
        try
        {
            if (MediaTypeHeaderValue.TryParse(request.ContentType, out var type)
                && type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
                return await ReadFormFileAsync(body, type, timeout.Token);
            return (await CopyAsync(body, request.ContentLength, timeout.Token), "upload");
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new RequestRefusedException(StatusCodes.Status408RequestTimeout, string.Create(CultureInfo.InvariantCulture,
                $"The upload took longer than {deadline.TotalSeconds:N0} s (Upscaling:UploadTimeoutSeconds)."));
        }
        catch (BadHttpRequestException e)
        {
            throw new RequestRefusedException(e.StatusCode, $"The request could not be read: {e.Message}");
        }
    }

    private static async Task<(MemoryStream, string)> ReadFormFileAsync(Stream body, MediaTypeHeaderValue type, CancellationToken cancellationToken)
    {
        string? boundary = HeaderUtilities.RemoveQuotes(type.Boundary).Value;
        if (string.IsNullOrEmpty(boundary) || boundary.Length > MaxBoundaryLength)
            throw new RequestRefusedException(StatusCodes.Status400BadRequest,
                $"The multipart request needs a boundary of 1 to {MaxBoundaryLength} characters.");
        var reader = new MultipartReader(boundary, body);
        try
        {
            while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !disposition.IsFileDisposition())
                    continue;
                string? file = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
                string name = string.IsNullOrWhiteSpace(file) ? "upload" : new string(Path.GetFileName(file).Where(c => !char.IsControl(c)).ToArray());
                return (await CopyAsync(section.Body, null, cancellationToken), name);
            }
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            throw new RequestRefusedException(StatusCodes.Status400BadRequest, $"The multipart form is malformed: {e.Message}");
        }
        throw new RequestRefusedException(StatusCodes.Status400BadRequest, "The multipart form has no file: send the image as a file field.");
    }

    private static async Task<MemoryStream> CopyAsync(Stream body, long? declaredLength, CancellationToken cancellationToken)
    {
        var copy = new MemoryStream(declaredLength is long length ? (int)length : 0);
        try
        {
            await body.CopyToAsync(copy, cancellationToken);
        }
        catch
        {
            copy.Dispose();
            throw;
        }
        if (copy.Length == 0)
            throw new RequestRefusedException(StatusCodes.Status400BadRequest,
                "The request has no image: send the file as the request body or as a multipart form file.");
        copy.Position = 0;
        return copy;
    }

    private static RequestRefusedException TooLarge(long? size, long maxBytes) =>
        new(StatusCodes.Status413PayloadTooLarge, size is long known
            ? string.Create(CultureInfo.InvariantCulture, $"The upload is {known:N0} bytes, more than the limit of {maxBytes:N0} bytes (Upscaling:MaxRequestBytes).")
            : string.Create(CultureInfo.InvariantCulture, $"The upload is larger than the limit of {maxBytes:N0} bytes (Upscaling:MaxRequestBytes)."));

    /// <summary>The request body, refused past the byte limit however it is framed (raw, chunked, any number of form parts).</summary>
    private sealed class CountingStream(Stream inner, long maxBytes) : Stream
    {
        private long _read;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            int read = await inner.ReadAsync(buffer, cancellationToken);
            if ((_read += read) > maxBytes)
                throw TooLarge(null, maxBytes);
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) =>
            throw new NotSupportedException("The request body is read asynchronously.");

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
