using Backprop.Simd.IO;
using Microsoft.Extensions.DependencyInjection;

namespace Backprop.Simd.Hosting;

/// <summary>Registers models to serve with <see cref="BackpropEndpointRouteBuilderExtensions.MapBackpropInference"/>.</summary>
public static class BackpropServiceCollectionExtensions
{
    /// <summary>
    /// Loads the native model file at <paramref name="path"/> now (so a bad file fails at start-up, not at the first
    /// request) and serves it as <paramref name="name"/>, with a pool of inference sessions that makes a prediction
    /// allocate nothing once warm.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <param name="name">The model's name in the endpoints' paths (<c>/v2/models/{name}</c>); case-sensitive.</param>
    /// <param name="path">A model file in the native format (written by <c>backprop train --save</c> or <c>import</c>).</param>
    /// <param name="configure">Sets the limits of this model's endpoints; null keeps the defaults.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty, not URL-safe or already registered, or a limit is not positive.</exception>
    /// <exception cref="ModelFormatException">The file is not a model, or a parameter is not finite.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static IServiceCollection AddBackpropModel(this IServiceCollection services, string name, string path,
        Action<BackpropServingOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!IsUrlSafe(name))
            throw new ArgumentException("A model name may hold only letters, digits, '-', '_' and '.'; got \"" + name + "\".", nameof(name));
        var options = new BackpropServingOptions();
        configure?.Invoke(options);
        options.Validate();
        ModelRegistry registry = RegistryOf(services);
        if (registry.Find(name) is not null) throw new ArgumentException("A model named \"" + name + "\" is already registered.", nameof(name));
        registry.Add(ServedModel.Load(name, path, options, new ModelMetrics(name, registry.Metrics)));
        return services;
    }

    private static ModelRegistry RegistryOf(IServiceCollection services)
    {
        foreach (ServiceDescriptor descriptor in services)
            if (descriptor.ServiceType == typeof(ModelRegistry) && descriptor.ImplementationInstance is ModelRegistry existing) return existing;
        var registry = new ModelRegistry();
        services.AddSingleton(registry);
        return registry;
    }

    private static bool IsUrlSafe(string name)
    {
        foreach (char c in name)
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_' or '.')) return false;
        return true;
    }
}
