namespace Backprop.Simd.Hosting;

/// <summary>How an infer request ended, as the <c>outcome</c> tag of the request counter: a fixed set, so tags stay few.</summary>
internal enum InferOutcome
{
    Ok,
    BadRequest,
    PayloadTooLarge,
    OtherClientError,
    ServerError,
}

internal static class InferOutcomes
{
    /// <summary>Every outcome, in enum order.</summary>
    public static readonly InferOutcome[] All = Enum.GetValues<InferOutcome>();

    /// <summary>The tag value: "ok", or the status code answered.</summary>
    public static string Tag(InferOutcome outcome) => outcome switch
    {
        InferOutcome.Ok => "ok",
        InferOutcome.BadRequest => "400",
        InferOutcome.PayloadTooLarge => "413",
        InferOutcome.OtherClientError => "4xx",
        _ => "500",
    };

    public static InferOutcome FromStatus(int statusCode) => statusCode switch
    {
        StatusCodes.Status400BadRequest => InferOutcome.BadRequest,
        StatusCodes.Status413PayloadTooLarge => InferOutcome.PayloadTooLarge,
        >= 400 and < 500 => InferOutcome.OtherClientError,
        _ => InferOutcome.ServerError,
    };
}
