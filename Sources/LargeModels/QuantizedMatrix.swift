// A weight matrix as stored in a GGUF file, multiplied by activations the way
// llama.cpp does: Q4_0/Q4_1/Q8_0 rows stay in the memory mapping and are
// dotted with activations quantized to Q8_0/Q8_1 (CKernels `ork_qmatmul`);
// other types (F32, F16, BF16, Q4_K, Q6_K) are dequantized once at load and
// multiplied in float through BLAS.

import CKernels
import ModelFormats
import Tensor

public final class QuantizedMatrix: @unchecked Sendable {
    public let name: String
    public let type: GGMLType
    /// Output features (ggml dims[1]).
    public let rows: Int
    /// Input features, the contiguous row length (ggml dims[0]).
    public let cols: Int
    /// Raw rows in the mapping: (rows, cols) in `type`'s blocks.
    public let data: UnsafeRawPointer
    /// (rows, cols) float copy for types without a quantized kernel.
    private let floats: [Float]?

    /// Types multiplied directly on their blocks.
    public static let kernelTypes: Set<GGMLType> = [.q4_0, .q4_1, .q8_0]
    public static let dequantizedTypes: Set<GGMLType> = [.f32, .f16, .bf16, .q4_K, .q6_K]

    public init(file: GGUFFile, tensor: GGUFFile.Tensor) throws {
        guard tensor.dims.count == 2 else {
            throw LargeModelError.tensorShape(tensor: tensor.name, expected: [-1, -1], found: tensor.dims)
        }
        name = tensor.name
        type = tensor.type
        cols = tensor.dims[0]
        rows = tensor.dims[1]
        data = file.data(tensor).baseAddress!
        if Self.kernelTypes.contains(type) {
            floats = nil
        } else if Self.dequantizedTypes.contains(type) {
            floats = try Dequantize.row(type, data, count: rows * cols)
        } else {
            throw LargeModelError.unsupportedTensorType(tensor: tensor.name, type: type.description)
        }
    }

    /// Bytes of one quantized activation row for this matrix (0 for float paths).
    public var activationRowBytes: Int {
        switch type {
        case .q4_1: return cols / 32 * 36
        case .q4_0, .q8_0: return cols / 32 * 34
        default: return 0
        }
    }

    /// Dequantized row `r` (for embedding lookups).
    public func row(_ r: Int) -> [Float] {
        if let floats { return Array(floats[(r * cols)..<((r + 1) * cols)]) }
        return try! Dequantize.row(type, data + r * type.rowBytes(cols), count: cols)
    }

    /// out[b·outStride + r] = Σ_c W[r, c] · x[b·cols + c], for b < batch, r < rows.
    /// `scratch` holds at least batch × activationRowBytes bytes.
    public func multiply(_ x: UnsafePointer<Float>, batch: Int, into out: UnsafeMutablePointer<Float>, outStride: Int,
                         scratch: UnsafeMutableRawPointer) {
        if let floats {
            floats.withUnsafeBufferPointer { w in
                BLAS.gemm(transposeA: false, transposeB: true, m: batch, n: rows, k: cols,
                          a: x, lda: cols, b: w.baseAddress!, ldb: cols, c: out, ldc: outStride)
            }
            return
        }
        let code = Int32(type.rawValue)
        ork_quantize_rows_for(code, x, batch, cols, scratch)
        ork_qmatmul(code, data, rows, cols, scratch, batch, out, outStride)
    }
}
