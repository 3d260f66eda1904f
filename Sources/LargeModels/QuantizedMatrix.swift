// A weight matrix as stored in a GGUF file, multiplied by activations the way
// llama.cpp does: Q4_0/Q4_1/Q8_0 rows stay in the memory mapping and are
// dotted with activations quantized to Q8_0/Q8_1 (CKernels `ork_qmatmul_many`);
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

    /// Bytes of scratch `multiply` needs for `batch` activation rows of `cols`.
    public static func scratchBytes(cols: Int, batch: Int) -> Int {
        ork_qmatmul_scratch_bytes(cols, batch)
    }

    /// Dequantized row `r` (for embedding lookups).
    public func row(_ r: Int) -> [Float] {
        if let floats { return Array(floats[(r * cols)..<((r + 1) * cols)]) }
        return try! Dequantize.row(type, data + r * type.rowBytes(cols), count: cols)
    }

    /// out[b·outStride + r] = Σ_c W[r, c] · x[b·cols + c], for b < batch, r < rows.
    /// `scratch` holds at least `scratchBytes(cols:batch:)` bytes.
    public func multiply(_ x: UnsafePointer<Float>, batch: Int, into out: UnsafeMutablePointer<Float>, outStride: Int,
                         scratch: UnsafeMutableRawPointer, sums: QuantizedSums = .llamaCpp) {
        Self.multiply([(self, out, outStride)], x, batch: batch, scratch: scratch, sums: sums)
    }

    /// Several matrices with the same input width times the same activations
    /// (a layer's Q/K/V, its FFN gate and up): the activations are quantized
    /// once and every quantized matrix's rows run in one parallel loop.
    public static func multiply(_ products: [(matrix: QuantizedMatrix, out: UnsafeMutablePointer<Float>, outStride: Int)],
                                _ x: UnsafePointer<Float>, batch: Int, scratch: UnsafeMutableRawPointer,
                                sums: QuantizedSums = .llamaCpp) {
        guard let cols = products.first?.matrix.cols else { return }
        var targets: [ork_qmatmul_target] = []
        for (matrix, out, outStride) in products {
            precondition(matrix.cols == cols, "\(matrix.name): \(matrix.cols) columns, expected \(cols)")
            if let floats = matrix.floats {
                floats.withUnsafeBufferPointer { w in
                    BLAS.gemm(transposeA: false, transposeB: true, m: batch, n: matrix.rows, k: cols,
                              a: x, lda: cols, b: w.baseAddress!, ldb: cols, c: out, ldc: outStride)
                }
            } else {
                targets.append(ork_qmatmul_target(type: Int32(matrix.type.rawValue), w: matrix.data, rows: matrix.rows,
                                                  out: out, out_stride: outStride))
            }
        }
        guard !targets.isEmpty else { return }
        let flags: Int32 = sums == .blockSums ? ORK_QMATMUL_BLOCK_SUMS : 0
        let status = ork_qmatmul_many(targets, Int32(targets.count), cols, x, batch, scratch, flags)
        precondition(status == 0, "ork_qmatmul_many refused \(targets.count) matrices of \(cols) columns")
    }
}

/// How a product of several activation rows sums each quantized block.
public enum QuantizedSums: Sendable {
    /// llama.cpp's order for every row pair (8 float lanes per block), so a row's
    /// result does not depend on the rows it is batched with.
    case llamaCpp
    /// Each block's integer products summed first and scaled once (CKernels
    /// ORK_QMATMUL_BLOCK_SUMS): fewer operations and roundings, ~1.2× the
    /// throughput of a batch, but not llama.cpp's bits. Single rows ignore it.
    case blockSums
}
