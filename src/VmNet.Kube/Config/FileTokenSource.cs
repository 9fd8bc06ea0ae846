namespace VmNet.Kube.Config;

/// <summary>
/// A token read from a file and re-read once it is older than the refresh interval: projected service-account
/// tokens are rotated by the kubelet in place (client-go re-reads every minute too).
/// </summary>
public sealed class FileTokenSource : IKubeTokenSource
{
    private readonly string _path;
    private readonly TimeSpan _refreshInterval;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private string? _token;
    private DateTimeOffset _readAt;

    public FileTokenSource(string path, TimeSpan? refreshInterval = null, TimeProvider? timeProvider = null)
    {
        _path = path;
        _refreshInterval = refreshInterval ?? TimeSpan.FromMinutes(1);
        _time = timeProvider ?? TimeProvider.System;
    }

    public string Path => _path;

    public async ValueTask<string> GetTokenAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (_token is not null && now - _readAt < _refreshInterval)
        {
            return _token;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_token is null || now - _readAt >= _refreshInterval)
            {
                string text;
                try
                {
                    text = await File.ReadAllTextAsync(_path, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new KubeConfigException($"cannot read bearer token file '{_path}': {e.Message}", e);
                }

                var token = text.Trim();
                if (token.Length == 0)
                {
                    throw new KubeConfigException($"bearer token file '{_path}' is empty");
                }

                _token = token;
                _readAt = now;
            }

            return _token;
        }
        finally
        {
            _gate.Release();
        }
    }
}
