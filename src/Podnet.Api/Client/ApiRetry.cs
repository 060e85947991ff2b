namespace Podnet.Api.Client;

/// <summary>Retries a write that lost an optimistic-concurrency race (409 Conflict), as Kubernetes
/// clients do: controllers update the same Node and Pod objects concurrently. Each retry waits a
/// short random backoff that grows with the attempt; any other error is not retried.</summary>
public static class ApiRetry
{
    /// <param name="write">Gets the attempt number (0 first), so that a retry can read the object
    /// again and redo its change on the fresh copy.</param>
    public static async Task<T> OnConflictAsync<T>(Func<int, Task<T>> write, CancellationToken ct, int attempts = 20)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(attempts);
        for (int i = 1; ; i++)
        {
            try { return await write(i - 1); }
            catch (ApiException e) when (e.IsConflict && i < attempts)
            {
                await Task.Delay(Random.Shared.Next(2, 10 * i), ct);
            }
        }
    }

    /// <summary>For a write that needs no fresh read, such as a patch.</summary>
    public static Task<T> OnConflictAsync<T>(Func<Task<T>> write, CancellationToken ct, int attempts = 20) =>
        OnConflictAsync(_ => write(), ct, attempts);
}
