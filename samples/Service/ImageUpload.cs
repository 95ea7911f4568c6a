using System.Globalization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Service;

/// <summary>A request refused with a status code and a message that says why.</summary>
public sealed class RequestRefusedException(int statusCode, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;
}

/// <summary>
/// Reads the uploaded file into memory, as the raw request body or as the first file of a multipart form,
/// never more than the byte limit and never to disk.
/// </summary>
public static class ImageUpload
{
    /// <summary>The bytes of the upload, and a name for them in messages (the form's file name, else "upload").</summary>
    public static async Task<(MemoryStream Bytes, string Name)> ReadAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
    {
        if (request.ContentLength > maxBytes)
            throw TooLarge(request.ContentLength, maxBytes);
        // The server's own limit would answer first with a bare 413; this reader counts the bytes itself.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = null;

        try
        {
            if (MediaTypeHeaderValue.TryParse(request.ContentType, out var type)
                && type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
                return await ReadFormFileAsync(request, type, maxBytes, cancellationToken);
            var body = await CopyAsync(request.Body, maxBytes, cancellationToken);
            return (body, "upload");
        }
        catch (BadHttpRequestException e)
        {
            throw new RequestRefusedException(e.StatusCode, $"The request could not be read: {e.Message}");
        }
    }

    private static async Task<(MemoryStream, string)> ReadFormFileAsync(HttpRequest request, MediaTypeHeaderValue type, long maxBytes, CancellationToken cancellationToken)
    {
        string boundary = HeaderUtilities.RemoveQuotes(type.Boundary).Value
            ?? throw new RequestRefusedException(StatusCodes.Status400BadRequest, "The multipart request has no boundary.");
        var reader = new MultipartReader(boundary, request.Body) { BodyLengthLimit = maxBytes };
        while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !disposition.IsFileDisposition())
                continue;
            string name = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value is { Length: > 0 } file
                ? Path.GetFileName(file)
                : "upload";
            return (await CopyAsync(section.Body, maxBytes, cancellationToken), name);
        }
        throw new RequestRefusedException(StatusCodes.Status400BadRequest, "The multipart form has no file: send the image as a file field.");
    }

    private static async Task<MemoryStream> CopyAsync(Stream body, long maxBytes, CancellationToken cancellationToken)
    {
        var copy = new MemoryStream();
        var buffer = new byte[81920];
        int read;
        try
        {
            while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
            {
                if (copy.Length + read > maxBytes)
                    throw TooLarge(null, maxBytes);
                copy.Write(buffer, 0, read);
            }
        }
        catch (InvalidDataException e) when (e.Message.Contains("limit", StringComparison.OrdinalIgnoreCase))
        {
            copy.Dispose();
            throw TooLarge(null, maxBytes); // MultipartReader's BodyLengthLimit
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
}
