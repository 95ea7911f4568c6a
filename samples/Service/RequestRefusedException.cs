namespace Service;

/// <summary>A request refused with a status code and a message that says why.</summary>
internal sealed class RequestRefusedException(int statusCode, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;
}
