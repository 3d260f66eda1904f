import CKernels

/// Max and average pooling over NHWC batches (Keras semantics).
extension Tensor {
    public func maxPool2d(pool: (Int, Int), strides: (Int, Int), padding: Padding = .valid) -> Tensor {
        let g = WindowGeometry(input: shape, window: pool, strides: strides, padding: padding)
        let outputShape = [g.batch, g.outputHeight, g.outputWidth, g.channels]
        let outputCount = Tensor.elementCount(outputShape)
        let output = TensorStorage(uninitializedCount: outputCount)
        let argmax = UnsafeMutablePointer<Int32>.allocate(capacity: Swift.max(outputCount, 1))
        let winners = IndexBuffer(pointer: argmax)
        // Per sample, so that argmax indices are relative to their sample and
        // samples can be split across threads.
        let inputPerSample = g.height * g.width * g.channels
        let outputPerSample = g.outputHeight * g.outputWidth * g.channels
        let input = pointer
        Parallel.forChunks(g.batch, grain: 2) { samples in
            for sample in samples {
                ork_maxpool2d_forward(input + sample * inputPerSample, output.pointer + sample * outputPerSample,
                                      argmax + sample * outputPerSample, 1, g.height, g.width, g.channels,
                                      g.windowHeight, g.windowWidth, g.strideHeight, g.strideWidth,
                                      g.outputHeight, g.outputWidth, g.padTop, g.padLeft)
            }
        }
        return Tensor.result(shape: outputShape, storage: output, inputs: [self]) { upstream in
            let gradient = Tensor.zeros(self.shape)
            Parallel.forChunks(g.batch, grain: 2) { samples in
                for sample in samples {
                    ork_maxpool2d_backward(upstream.pointer + sample * outputPerSample,
                                           winners.pointer + sample * outputPerSample,
                                           gradient.pointer + sample * inputPerSample, outputPerSample)
                }
            }
            return [gradient]
        }
    }

    /// Average pooling; with `same` padding the padded cells are not counted
    /// (each window divides by the number of real cells in it).
    public func averagePool2d(pool: (Int, Int), strides: (Int, Int), padding: Padding = .valid) -> Tensor {
        let g = WindowGeometry(input: shape, window: pool, strides: strides, padding: padding)
        let outputShape = [g.batch, g.outputHeight, g.outputWidth, g.channels]
        let output = Tensor.zeros(outputShape)
        let c = g.channels
        Tensor.forEachWindow(g) { outputIndex, cells in
            let destination = output.pointer + outputIndex * c
            let scale = 1 / Float(cells.count)
            for inputIndex in cells {
                let source = self.pointer + inputIndex * c
                for channel in 0..<c { destination[channel] += source[channel] }
            }
            for channel in 0..<c { destination[channel] *= scale }
        }
        return Tensor.result(shape: outputShape, storage: output.storage, inputs: [self]) { upstream in
            let gradient = Tensor.zeros(self.shape)
            Tensor.forEachWindow(g) { outputIndex, cells in
                let source = upstream.pointer + outputIndex * c
                let scale = 1 / Float(cells.count)
                for inputIndex in cells {
                    let destination = gradient.pointer + inputIndex * c
                    for channel in 0..<c { destination[channel] += source[channel] * scale }
                }
            }
            return [gradient]
        }
    }

    /// Calls `body(outputPixel, inputPixels)` for every window, with pixel
    /// indices counted over (n, h, w) and only the cells inside the image.
    static func forEachWindow(_ g: WindowGeometry, _ body: (Int, [Int]) -> Void) {
        var cells: [Int] = []
        cells.reserveCapacity(g.windowHeight * g.windowWidth)
        for n in 0..<g.batch {
            for oy in 0..<g.outputHeight {
                for ox in 0..<g.outputWidth {
                    cells.removeAll(keepingCapacity: true)
                    for ky in 0..<g.windowHeight {
                        let y = oy * g.strideHeight + ky - g.padTop
                        guard y >= 0, y < g.height else { continue }
                        for kx in 0..<g.windowWidth {
                            let x = ox * g.strideWidth + kx - g.padLeft
                            guard x >= 0, x < g.width else { continue }
                            cells.append((n * g.height + y) * g.width + x)
                        }
                    }
                    if !cells.isEmpty { body((n * g.outputHeight + oy) * g.outputWidth + ox, cells) }
                }
            }
        }
    }
}

/// Owns the argmax indices a max-pooling backward pass needs.
final class IndexBuffer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Int32>
    init(pointer: UnsafeMutablePointer<Int32>) { self.pointer = pointer }
    deinit { pointer.deallocate() }
}
