namespace Backprop.Simd.Hosting;

/// <summary>The models registered by <c>AddBackpropModel</c>, by name (ordinal, case-sensitive, as KServe's names are).</summary>
internal sealed class ModelRegistry
{
    private readonly Dictionary<string, ServedModel> _models = new(StringComparer.Ordinal);

    public IReadOnlyCollection<ServedModel> Models => _models.Values;

    /// <summary>The instruments every model's <see cref="ModelMetrics"/> records to.</summary>
    public ServingMetrics Metrics { get; } = new();

    public void Add(ServedModel model)
    {
        if (!_models.TryAdd(model.Name, model))
            throw new ArgumentException("A model named '" + model.Name + "' is already registered.", nameof(model));
    }

    public ServedModel? Find(string name) => _models.GetValueOrDefault(name);
}
