using Podnet.Api.Client;

namespace Podnet.Lab;

/// <summary>Retries a write that lost an optimistic-concurrency race (409 Conflict), as Kubernetes
/// clients do: controllers update the same Node and Pod objects concurrently.</summary>
internal static class ApiRetry
{
    public static async Task<T> OnConflictAsync<T>(Func<Task<T>> write, CancellationToken ct, int attempts = 20)
    {
        for (int i = 1; ; i++)
        {
            try { return await write(); }
            catch (ApiException e) when (e.IsConflict && i < attempts)
            {
                await Task.Delay(Random.Shared.Next(2, 10 * i), ct);
            }
        }
    }
}
