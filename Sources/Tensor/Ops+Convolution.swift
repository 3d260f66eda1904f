import CKernels

/// Geometry of a 2-D convolution or pooling window over an NHWC batch.
public struct WindowGeometry: Sendable, Equatable {
    public var batch, height, width, channels: Int
    public var windowHeight, windowWidth: Int
    public var strideHeight, strideWidth: Int
    public var outputHeight, outputWidth: Int
    public var padTop, padLeft: Int

    public init(input shape: [Int], window: (Int, Int), strides: (Int, Int), padding: Padding) {
        precondition(shape.count == 4, "expected an NHWC batch, got shape \(shape)")
        batch = shape[0]; height = shape[1]; width = shape[2]; channels = shape[3]
        (windowHeight, windowWidth) = window
        (strideHeight, strideWidth) = strides
        (outputHeight, padTop) = padding.outputLength(input: height, window: windowHeight, stride: strideHeight)
        (outputWidth, padLeft) = padding.outputLength(input: width, window: windowWidth, stride: strideWidth)
    }

    /// Rows of the im2col matrix: one per output pixel.
    var outputPixels: Int { batch * outputHeight * outputWidth }
    /// Columns of the im2col matrix: one per (ky, kx, channel).
    var patchSize: Int { windowHeight * windowWidth * channels }
}

extension Tensor {
    /// 2-D convolution, NHWC input (n, h, w, c) with a Keras kernel
    /// (kh, kw, c, filters) and optional bias (filters) → (n, oh, ow, filters).
    /// Lowered to one GEMM over the im2col matrix (n·oh·ow, kh·kw·c).
    public func conv2d(kernel: Tensor, bias: Tensor?, strides: (Int, Int) = (1, 1), padding: Padding = .valid) -> Tensor {
        precondition(kernel.rank == 4 && rank == 4 && kernel.shape[2] == shape[3],
                     "conv2d: input \(shape) and kernel \(kernel.shape) do not match")
        let filters = kernel.shape[3]
        let geometry = WindowGeometry(input: shape, window: (kernel.shape[0], kernel.shape[1]),
                                      strides: strides, padding: padding)
        let rows = geometry.outputPixels, patch = geometry.patchSize
        let columns = im2col(geometry)
        let output = TensorStorage(uninitializedCount: rows * filters)
        BLAS.gemm(transposeA: false, transposeB: false, m: rows, n: filters, k: patch,
                  a: columns.pointer, lda: patch, b: kernel.pointer, ldb: filters, c: output.pointer, ldc: filters)
        if let bias { ork_add_bias_rows(output.pointer, bias.pointer, rows, filters) }
        let outputShape = [geometry.batch, geometry.outputHeight, geometry.outputWidth, filters]
        let inputs = bias.map { [self, kernel, $0] } ?? [self, kernel]
        return Tensor.result(shape: outputShape, storage: output, inputs: inputs) { upstream in
            var gradients: [Tensor?] = Array(repeating: nil, count: inputs.count)
            if self.requiresGrad {
                // d(columns) = dY · Kᵀ, then scatter back to the image.
                let columnGradient = TensorStorage(uninitializedCount: rows * patch)
                BLAS.gemm(transposeA: false, transposeB: true, m: rows, n: patch, k: filters,
                          a: upstream.pointer, lda: filters, b: kernel.pointer, ldb: filters,
                          c: columnGradient.pointer, ldc: patch)
                let gradient = Tensor.zeros(self.shape)
                Tensor.col2im(columnGradient.pointer, into: gradient.pointer, geometry)
                gradients[0] = gradient
            }
            if kernel.requiresGrad {
                // dK = columnsᵀ · dY: (patch, rows)·(rows, filters)
                let gradient = Tensor(uninitializedShape: kernel.shape)
                BLAS.gemm(transposeA: true, transposeB: false, m: patch, n: filters, k: rows,
                          a: columns.pointer, lda: patch, b: upstream.pointer, ldb: filters,
                          c: gradient.pointer, ldc: filters)
                gradients[1] = gradient
            }
            if let bias, bias.requiresGrad {
                let gradient = Tensor(uninitializedShape: [filters])
                ork_bias_grad(upstream.pointer, gradient.pointer, rows, filters, 0)
                gradients[2] = gradient
            }
            return gradients
        }
    }

    func im2col(_ g: WindowGeometry) -> TensorStorage {
        if g.windowHeight == 1, g.windowWidth == 1, g.strideHeight == 1, g.strideWidth == 1 {
            return storage  // a 1×1 convolution reads the image as is
        }
        let columns = TensorStorage(uninitializedCount: g.outputPixels * g.patchSize)
        let (imagePerSample, rowsPerSample) = (g.height * g.width * g.channels, g.outputHeight * g.outputWidth)
        let input = pointer
        Parallel.forChunks(g.batch, grain: 2) { samples in
            ork_im2col_nhwc(input + samples.lowerBound * imagePerSample,
                            columns.pointer + samples.lowerBound * rowsPerSample * g.patchSize,
                            samples.count, g.height, g.width, g.channels,
                            g.windowHeight, g.windowWidth, g.strideHeight, g.strideWidth,
                            g.outputHeight, g.outputWidth, g.padTop, g.padLeft)
        }
        return columns
    }

    static func col2im(_ columns: UnsafePointer<Float>, into image: UnsafeMutablePointer<Float>, _ g: WindowGeometry) {
        if g.windowHeight == 1, g.windowWidth == 1, g.strideHeight == 1, g.strideWidth == 1 {
            image.update(from: columns, count: g.outputPixels * g.patchSize)
            return
        }
        let (imagePerSample, rowsPerSample) = (g.height * g.width * g.channels, g.outputHeight * g.outputWidth)
        Parallel.forChunks(g.batch, grain: 2) { samples in
            ork_col2im_nhwc(columns + samples.lowerBound * rowsPerSample * g.patchSize,
                            image + samples.lowerBound * imagePerSample,
                            samples.count, g.height, g.width, g.channels,
                            g.windowHeight, g.windowWidth, g.strideHeight, g.strideWidth,
                            g.outputHeight, g.outputWidth, g.padTop, g.padLeft)
        }
    }
}
