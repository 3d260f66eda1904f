import Testing
@testable import ImageIO

@Suite struct ImageInputTests {
    @Test func layoutsOfImageModels() throws {
        #expect(try ImageInput.layout(forInputShape: [28, 28, 1]) == .init(height: 28, width: 28, channels: 1))
        #expect(try ImageInput.layout(forInputShape: [32, 24, 3]) == .init(height: 32, width: 24, channels: 3))
        #expect(try ImageInput.layout(forInputShape: [28, 28]) == .init(height: 28, width: 28, channels: 1))
        #expect(try ImageInput.layout(forInputShape: [784]) == .init(height: 28, width: 28, channels: 1))
        #expect(throws: ImageInput.Failure.notAnImageModel(inputShape: [10])) { try ImageInput.layout(forInputShape: [10]) }
        #expect(throws: ImageInput.Failure.notAnImageModel(inputShape: [4, 4, 5])) { try ImageInput.layout(forInputShape: [4, 4, 5]) }
        #expect(throws: ImageInput.Failure.notAnImageModel(inputShape: [2, 2, 2, 1])) {
            try ImageInput.layout(forInputShape: [2, 2, 2, 1])
        }
    }

    @Test func grayImageOfTheModelsSizeIsUnchanged() throws {
        let image = try PNGDecoder().decode(try PNGFixture.bytes("gray8_filters.png"))
        let values = try ImageInput.values(image, inputShape: [5, 7, 1])
        #expect(values == image.samples.map(Float.init))
        // A flat model of 49 features takes it resampled to 7×7.
        #expect(try ImageInput.values(image, inputShape: [49]).count == 49)
    }

    @Test func colorBecomesLumaAndAlphaIsCompositedOverBlack() throws {
        let rgb = Image(width: 2, height: 1, channels: 3, maxValue: 255, samples: [255, 0, 0, 10, 200, 30])
        let gray = try ImageInput.values(rgb, inputShape: [1, 2, 1])
        #expect(abs(gray[0] - 0.299 * 255) < 1e-4)
        #expect(abs(gray[1] - (0.299 * 10 + 0.587 * 200 + 0.114 * 30)) < 1e-3)
        let grayAlpha = Image(width: 1, height: 1, channels: 2, maxValue: 255, samples: [200, 51])
        #expect(try ImageInput.values(grayAlpha, inputShape: [1, 1, 1]) == [40])
        #expect(try ImageInput.values(grayAlpha, inputShape: [1, 1, 3]) == [40, 40, 40])
        #expect(try ImageInput.values(grayAlpha, inputShape: [1, 1, 4]) == [200, 200, 200, 51])
        let rgba = Image(width: 1, height: 1, channels: 4, maxValue: 255, samples: [100, 50, 250, 0])
        #expect(try ImageInput.values(rgba, inputShape: [1, 1, 3]) == [0, 0, 0])
    }

    @Test func sixteenBitSamplesAreOnTheEightBitScale() throws {
        let image = Image(width: 2, height: 1, channels: 1, maxValue: 65535, samples: [65535, 257 * 100])
        #expect(try ImageInput.values(image, inputShape: [1, 2]) == [255, 100])
    }

    @Test func boxFilterAveragesAreasWhenShrinking() throws {
        // 4×4 → 2×2: each output is the mean of a 2×2 block.
        let samples: [UInt16] = [0, 4, 8, 12,
                                 4, 8, 12, 16,
                                 100, 100, 0, 0,
                                 100, 100, 0, 40]
        let image = Image(width: 4, height: 4, channels: 1, maxValue: 255, samples: samples)
        #expect(try ImageInput.values(image, inputShape: [2, 2, 1]) == [4, 12, 100, 10])
        // 3 → 2 columns: output 0 covers pixel 0 and half of pixel 1.
        let row = Image(width: 3, height: 1, channels: 1, maxValue: 255, samples: [30, 60, 90])
        let shrunk = try ImageInput.values(row, inputShape: [1, 2])
        #expect(abs(shrunk[0] - (30 * 2 / 3 + 60 * 1 / 3)) < 1e-4)
        #expect(abs(shrunk[1] - (60 * 1 / 3 + 90 * 2 / 3)) < 1e-4)
    }

    @Test func boxFilterRepeatsPixelsWhenGrowing() throws {
        let image = Image(width: 2, height: 1, channels: 3, maxValue: 255, samples: [10, 20, 30, 40, 50, 60])
        #expect(try ImageInput.values(image, inputShape: [2, 4, 3]) == [10, 20, 30, 10, 20, 30, 40, 50, 60, 40, 50, 60,
                                                                     10, 20, 30, 10, 20, 30, 40, 50, 60, 40, 50, 60])
    }
}
