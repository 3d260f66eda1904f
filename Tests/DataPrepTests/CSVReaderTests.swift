import Testing
@testable import DataPrep

@Suite struct CSVReaderTests {
    let files = TempFiles()

    @Test func readsHeaderAndRows() throws {
        let path = files.write("small.csv", "label,a,b\n1,2,3\n4,5,6\n")
        let table = try CSVReader.readNumeric(path: path)
        #expect(table.columnNames == ["label", "a", "b"])
        #expect(table.rowCount == 2)
        #expect(table.columnCount == 3)
        #expect(table.values == [1, 2, 3, 4, 5, 6])
        #expect(table.source == path)
    }

    @Test func acceptsCRLFAndMissingTrailingNewline() throws {
        let crlf = try CSVReader.readNumeric(path: files.write("crlf.csv", "x,y\r\n1,2\r\n3,4\r\n"))
        let bare = try CSVReader.readNumeric(path: files.write("bare.csv", "x,y\n1,2\n3,4"))
        let crlfBare = try CSVReader.readNumeric(path: files.write("crlfbare.csv", "x,y\r\n1,2\r\n3,4"))
        for table in [crlf, bare, crlfBare] {
            #expect(table.columnNames == ["x", "y"])
            #expect(table.values == [1, 2, 3, 4])
        }
    }

    @Test func parsesDecimalsNegativesExponentsWhitespaceAndQuotes() throws {
        let text = """
            "a", b ,c,d
            -1.5, 2.25 ,1e-3,+4
            .5,5.,-2E+2,"1.5"
            " -7 ",\t0.1\t,1.17549435E-38,3.4028235e38
            0,-0,1e0,000123.4500
            """
        let table = try CSVReader.readNumeric(path: files.write("mixed.csv", text))
        #expect(table.columnNames == ["a", "b", "c", "d"])
        #expect(table.values == [
            -1.5, 2.25, 0.001, 4,
            0.5, 5, -200, 1.5,
            -7, 0.1, Float.leastNormalMagnitude, 3.4028235e38,
            0, 0, 1, 123.45,
        ])
        #expect(table.values[13].sign == .minus)  // "-0" keeps its sign
    }

    @Test func roundsLikeSwiftsFloatParser() throws {
        var generator = SystemRandomNumberGenerator()
        var cells: [String] = []
        for _ in 0..<20_000 {
            let digits = Int.random(in: 1...24, using: &generator)
            var mantissa = String((0..<digits).map { _ in "0123456789".randomElement(using: &generator)! })
            let point = Int.random(in: 0...digits, using: &generator)
            mantissa.insert(".", at: mantissa.index(mantissa.startIndex, offsetBy: point))
            let exponent = Bool.random(using: &generator) ? "e\(Int.random(in: -45...38, using: &generator))" : ""
            let sign = Bool.random(using: &generator) ? "-" : ""
            cells.append(sign + mantissa + exponent)
        }
        // Float halfway cases that a naive Double-then-Float conversion gets wrong.
        cells += ["1.00000005960464477539062", "1.0000000596046448", "16777217", "33554434", "3.4028235677973366e38",
                  "16777217.000000001", "16777216.999999999", "-16777217.000000001", "0.5e-44", "1.4e-45"]
        cells = cells.filter { cell in Float(cell).map { $0.isFinite } ?? false }
        let text = "v\n" + cells.joined(separator: "\n") + "\n"
        let table = try CSVReader.parseNumeric(Array(text.utf8), source: "random.csv")
        #expect(cells.count > 15_000)
        #expect(table.rowCount == cells.count)
        for (cell, value) in zip(cells, table.values) where value.bitPattern != Float(cell)!.bitPattern {
            Issue.record("'\(cell)' parsed as \(value), expected \(Float(cell)!)")
        }
    }

    @Test func catchesDoubleRoundingHalfwayCases() throws {
        // The nearest Double is exactly halfway between two Floats; the true
        // value is not, so narrowing that Double would round the wrong way.
        let cells = ["1907348973873013e-21", "7629394985997351e-21", "3051758358196821e-20", "16777217.000000001"]
        let table = try CSVReader.parseNumeric(Array(("v\n" + cells.joined(separator: "\n")).utf8), source: "h.csv")
        #expect(table.values.map(\.bitPattern) == cells.map { Float($0)!.bitPattern })
        #expect(table.values[0] != Float(Double("1907348973873013e-21")!))
    }

    @Test func skipsBlankLinesButCountsThemInLineNumbers() throws {
        let path = files.write("blank.csv", "a,b\n1,2\n\n  \r\n3,4\n\n")
        let table = try CSVReader.readNumeric(path: path)
        #expect(table.rowCount == 2)
        #expect(table.values == [1, 2, 3, 4])

        let bad = files.write("blankbad.csv", "a,b\n1,2\n\n3,x\n")
        let message = errorMessage { _ = try CSVReader.readNumeric(path: bad) }
        #expect(message == "\(bad): line 4 (data row 2), column 'b' (#2): 'x' is not a number")
    }

    @Test func parallelParseMatchesSerialAndLocatesLateErrors() throws {
        // ~3.5 MB so the data splits into several chunks.
        var text = "label,p1,p2,p3\n"
        for row in 0..<120_000 {
            if row % 1000 == 999 { text += "\n" }  // blank lines shift line numbers
            text += "\(row % 10),\(row),\(Double(row) * 0.25),-\(row % 7)e-1\n"
        }
        let bytes = Array(text.utf8)
        let serial = try CSVReader.parseNumeric(bytes, source: "big.csv", threadCount: 1)
        let parallel = try CSVReader.parseNumeric(bytes, source: "big.csv", threadCount: 4)
        #expect(CSVReader.chunkBounds(bytes, from: 15, pieces: 4).count > 1)
        #expect(serial.rowCount == 120_000)
        #expect(serial.values == parallel.values)
        #expect(serial.values[4 * 119_999 + 2] == 29_999.75)

        // Break data row 110,000: line = 1 header + 110,000 rows + 110 blank lines.
        var broken = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let lineIndex = 110_000 + 110  // 0-based index of file line 110,111
        broken[lineIndex] = "1,2,3"
        let brokenBytes = Array(broken.joined(separator: "\n").utf8)
        for threads in [1, 4] {
            let message = errorMessage { _ = try CSVReader.parseNumeric(brokenBytes, source: "big.csv", threadCount: threads) }
            #expect(message == "big.csv: line 110111 (data row 110000) has 3 cells, the header has 4")
        }
    }

    @Test func reportsRaggedRows() {
        let short = files.write("short.csv", "a,b,c\n1,2,3\n4,5\n")
        #expect(errorMessage { _ = try CSVReader.readNumeric(path: short) }
            == "\(short): line 3 (data row 2) has 2 cells, the header has 3")
        let long = files.write("long.csv", "a,b\r\n1,2,3\r\n")
        #expect(errorMessage { _ = try CSVReader.readNumeric(path: long) }
            == "\(long): line 2 (data row 1) has 3 cells, the header has 2")
    }

    @Test func reportsNonNumericCells() {
        let path = files.write("bad.csv", "label,pixel1,pixel2\n1,2,3\n4,5,6\n7,abc,9\n")
        #expect(errorMessage { _ = try CSVReader.readNumeric(path: path) }
            == "\(path): line 4 (data row 3), column 'pixel1' (#2): 'abc' is not a number")
        let junk = files.write("junk.csv", "a,b\n1,2x\n")
        #expect(errorMessage { _ = try CSVReader.readNumeric(path: junk) }
            == "\(junk): line 2 (data row 1), column 'b' (#2): '2x' is not a number")
        let quoted = files.write("quoted.csv", "a,b\n1,\"1,5\"\n")
        #expect(errorMessage { _ = try CSVReader.readNumeric(path: quoted) }
            == "\(quoted): line 2 (data row 1), column 'b' (#2): '1,5' is not a number")
    }

    @Test func reportsNaNInfinityEmptyAndOutOfRangeCells() {
        let nan = files.write("nan.csv", "a,b\n1,NaN\n")
        #expect(errorMessage { _ = try CSVReader.readNumeric(path: nan) }
            == "\(nan): line 2 (data row 1), column 'b' (#2): 'NaN' is NaN; clean or impute it first")
        let inf = files.write("inf.csv", "a,b\n1,2\n-inf,3\n")
        #expect(errorMessage { _ = try CSVReader.readNumeric(path: inf) }
            == "\(inf): line 3 (data row 2), column 'a' (#1): '-inf' is infinite; clean or impute it first")
        let empty = files.write("emptycell.csv", "a,b,c\n1,,3\n")
        #expect(errorMessage { _ = try CSVReader.readNumeric(path: empty) }
            == "\(empty): line 2 (data row 1), column 'b' (#2) is empty; clean or impute it first")
        let huge = files.write("huge.csv", "a\n1e39\n")
        #expect(errorMessage { _ = try CSVReader.readNumeric(path: huge) }
            == "\(huge): line 2 (data row 1), column 'a' (#1): '1e39' is outside the Float32 range (about ±3.4e38)")
    }

    @Test func reportsFileLevelProblems() {
        let missing = files.directory.appendingPathComponent("nope.csv").path
        #expect(errorMessage { _ = try CSVReader.readNumeric(path: missing) } == "\(missing): file not found")
        let dir = files.directory.path
        #expect(errorMessage { _ = try CSVReader.readNumeric(path: dir) }
            == "\(dir): cannot read the file (it is a directory)")

        let empty = files.write("empty.csv", "")
        #expect(errorMessage { _ = try CSVReader.readNumeric(path: empty) }?.hasPrefix("\(empty): the file is empty") == true)
        let blank = files.write("blank-only.csv", "\n \r\n")
        #expect(errorMessage { _ = try CSVReader.readNumeric(path: blank) }?.hasPrefix("\(blank): the file is empty") == true)

        let headless = files.write("headless.csv", "5,0,0,1\n0,0,1,0\n")
        #expect(errorMessage { _ = try CSVReader.readNumeric(path: headless) }?
            .hasPrefix("\(headless): line 1 ('5,0,0,1') looks like data, not a header") == true)

        let headerOnly = files.write("header-only.csv", "a,b\n")
        #expect(errorMessage { _ = try CSVReader.readNumeric(path: headerOnly) }
            == "\(headerOnly): the file has a header but no data rows")

        let duplicate = files.write("dup.csv", "a,b,a\n1,2,3\n")
        #expect(errorMessage { _ = try CSVReader.readNumeric(path: duplicate) }
            == "\(duplicate): the header names column 'a' twice (columns 1 and 3); column names must be unique")
    }

    @Test func skipsByteOrderMark() throws {
        let table = try CSVReader.readNumeric(path: files.write("bom.csv", bytes: [0xEF, 0xBB, 0xBF] + Array("x\n1\n".utf8)))
        #expect(table.columnNames == ["x"])
        #expect(table.values == [1])
    }
}
