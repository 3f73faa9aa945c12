// The element type of the CPU ops. The model runs in Float32Array; the ops also accept Float64Array so the gradient
// checks can run the very same code in float64, where central differences are accurate to ~1e-9.

/** A flat tensor: Float32Array in the model, Float64Array in gradient checks. */
export type Floats = Float32Array | Float64Array;
