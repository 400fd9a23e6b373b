// Headless driver that runs MIRDcell V3's own self-dose calculator (the Java classes of
// jw526/MIRDcellV3, CellDosimetry/src) as a peer code for theradose's cellular S values.
//
// It does what the MIRDcell applet does when "Compute" is pressed for one cell
// (WebDose/CellApplet.java, the "Part 1/2: calculate svalues" block):
//
//   data = ArrayListIn3.readMIRDdata(iso, true);           // "beta Average Energy Spectrum"
//   selfSVals = new SelfDose_2().calcSelfDose(rCell, rNuc, data, jTextArea1);
//
// and reads the eight totals selfSVals[0][0..7] = S(C<-C), S(C<-CS), S(N<-N), S(N<-Cy),
// S(N<-CS), S(Cy<-N), S(Cy<-CS), S(Cy<-Cy) (Gy/(Bq s)); the GUI prints them rounded to 3
// significant figures, this driver keeps full precision. Nothing of the method is written here.
//
// MIRDcell fetches its data over HTTP from mirdcell.njms.rutgers.edu. This driver installs a URL
// handler that serves those URLs from the repository's own copy of the server files
// ("MIRD Datafiles.zip" at the repository root):
//   .../UMDNJ/MIRD/RAD/<Nuc>.RAD          -> "MIRD Datafiles/beta average/<Nuc>.RAD"
//   .../UMDNJ/DATA%20FILES/data/<nuc>.dat -> "MIRD Datafiles/beta full/<nuc>.dat"
//   .../UMDNJ/alph-water2                 -> the alpha table MIRDcell embeds as
//                                            Energy.coefAlpha (ICRU 49 water: E keV, range um,
//                                            dE/dx keV/um, 78 rows), with one header line (the
//                                            readers skip row 0 and expect 79 lines, see
//                                            File/AlphaRange.java).
//
// "beta full" (MIRD 1989 data with log-binned beta spectra): the applet reads these files with
// ArrayListIn3.readOTHERdata, which adds one and the same double[] to the list for every record,
// so every record becomes a copy of the last one (checked by `checks`). For the beta_full rows
// this driver reads the same file with the same parsing (record = tokens 1..3: ICODE, yield,
// energy MeV) into a fresh array per record, then calls the same SelfDose_2.calcSelfDose.
//
// "user_bet07" (F-18 only): the applet's "user created decay scheme" option (the radiation records
// typed into its text area, parsed by the applet as ICODE, yield, energy per line), filled with
// the F-18 records of the beta-average file whose beta line (mean energy) is replaced by the
// Eckerman & Endo 2008 beta spectrum of the same CD (MIRD data/MIRD-07.BET: E MeV, betas per
// decay per MeV, piecewise linear): one line per interval of the tabulation, yield = the
// integral over the interval, energy = the mean energy in it. This puts the spectrum that ICRP
// 107 tabulates into MIRDcell's method.
//
// "monoenergetic" (nuclide e-<E>keV): one electron of E per decay, the applet's "Electron" option
// (data = {5, 1, E MeV}).
//
// Usage: java -cp <mirdcell classes>:. MirdcellRef <MIRDcell checkout> csv|checks
//   csv    : the reference CSV (stdout)
//   checks : sanity checks (stdout)

import Energy.Energy;
import File.ArrayListIn3;
import SelfDoseCal.SelfDose_2;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLConnection;
import java.net.URLDecoder;
import java.net.URLStreamHandler;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Locale;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import javax.swing.JTextArea;

public class MirdcellRef {
    static final String SERVER = "http://mirdcell.njms.rutgers.edu/UMDNJ/";
    static ZipFile zip;
    static java.nio.file.Path root;
    static PrintStream out;

    /** MIRDcell's target<-source order of calcSelfDose's columns, in theradose's names. */
    static final String[][] KEYS = {
        {"cell", "cell"},
        {"cell", "cell_surface"},
        {"nucleus", "nucleus"},
        {"nucleus", "cytoplasm"},
        {"nucleus", "cell_surface"},
        {"cytoplasm", "nucleus"},
        {"cytoplasm", "cell_surface"},
        {"cytoplasm", "cytoplasm"},
    };

    static byte[] serve(String url) throws IOException {
        if (!url.startsWith(SERVER)) {
            throw new IOException("not served offline: " + url);
        }
        String rest = URLDecoder.decode(url.substring(SERVER.length()), StandardCharsets.UTF_8);
        if (rest.equals("alph-water2")) {
            StringBuilder b = new StringBuilder("Energy(keV) Range(um) dE/dx(keV/um)\n");
            for (int i = 0; i < Energy.coefAlpha[0].length; i++) {
                b.append(String.format(Locale.ROOT, "%.5E %.5E %.5E%n", Energy.coefAlpha[0][i],
                        Energy.coefAlpha[1][i], Energy.coefAlpha[2][i]));
            }
            return b.toString().getBytes(StandardCharsets.US_ASCII);
        }
        String entry;
        if (rest.startsWith("MIRD/RAD/")) {
            entry = "MIRD Datafiles/beta average/" + rest.substring("MIRD/RAD/".length());
        } else if (rest.startsWith("DATA FILES/data/")) {
            entry = "MIRD Datafiles/beta full/" + rest.substring("DATA FILES/data/".length());
        } else {
            throw new IOException("not served offline: " + url);
        }
        ZipEntry e = zip.getEntry(entry);
        if (e == null) {
            throw new IOException("no " + entry + " in " + zip.getName());
        }
        try (InputStream in = zip.getInputStream(e)) {
            return in.readAllBytes();
        }
    }

    static void installHandler() {
        URL.setURLStreamHandlerFactory(protocol -> !protocol.equals("http") ? null
                : new URLStreamHandler() {
                    @Override
                    protected URLConnection openConnection(URL u) {
                        return new URLConnection(u) {
                            @Override
                            public void connect() {}

                            @Override
                            public InputStream getInputStream() throws IOException {
                                return new ByteArrayInputStream(serve(url.toString()));
                            }
                        };
                    }
                });
    }

    /** The applet's call for one cell: SelfDose_2.calcSelfDose; returns the 8 totals. */
    static double[] selfS(double rc, double rn, ArrayList<double[]> data) {
        double[][] d = new SelfDose_2().calcSelfDose(rc, rn, data, new JTextArea());
        return d[0].clone();
    }

    /** beta-full file, parsed as ArrayListIn3.readOTHERdata parses it but one array per record. */
    static ArrayList<double[]> readFull(String file) throws IOException {
        ArrayList<double[]> data = new ArrayList<>();
        try (BufferedReader br = new BufferedReader(new InputStreamReader(
                new ByteArrayInputStream(serve(SERVER + "DATA%20FILES/data/" + file))))) {
            for (int i = 0; i < 5; i++) {
                br.readLine();
            }
            int n = Integer.parseInt(br.readLine().trim().split("\\s+")[0]);
            for (int i = 0; i < n; i++) {
                String[] s = br.readLine().trim().split("\\s+");
                data.add(new double[] {Double.parseDouble(s[1]), Double.parseDouble(s[2]),
                        Double.parseDouble(s[3]), Double.parseDouble(s[4])});
            }
        }
        return data;
    }

    static ArrayList<double[]> average(String nuc) {
        ArrayList<double[]> d = ArrayListIn3.readMIRDdata(nuc, true);
        if (d.isEmpty()) {
            throw new IllegalStateException("no MIRD RAD data for " + nuc);
        }
        return d;
    }

    /**
     * The applet's user-created decay scheme: the records of the beta-average file of `nuc`, its
     * beta lines (ICODE 4, 5) replaced by the MIRD-07.BET spectrum binned on its own grid, parsed
     * as CellApplet parses its text area (first three numbers of each line between START and END
     * RADIATION RECORDS).
     */
    static ArrayList<double[]> userBet07(String nuc) throws IOException {
        String rad = new String(serve(SERVER + "MIRD/RAD/" + nuc + ".RAD"), StandardCharsets.US_ASCII);
        java.util.List<String> bet = java.nio.file.Files.readAllLines(root.resolve("MIRD data/MIRD-07.BET"));
        StringBuilder text = new StringBuilder();
        boolean in = false;
        int code = 0;
        for (String l : rad.split("\\r?\\n")) {
            if (l.equals("END RADIATION RECORDS")) {
                in = false;
            }
            String[] s = l.trim().split("\\s+");
            if (in && (s[0].equals("4") || s[0].equals("5"))) {
                code = Integer.parseInt(s[0]);
                continue; // replaced by the spectrum below
            }
            text.append(l).append('\n');
            if (l.equals("START RADIATION RECORDS")) {
                in = true;
            }
        }
        int start = -1;
        for (int i = 0; i < bet.size(); i++) {
            String[] s = bet.get(i).trim().split("\\s+");
            if (s.length == 2 && s[0].equals(nuc)) {
                start = i;
            }
        }
        if (start < 0 || code == 0) {
            throw new IOException("no beta spectrum of " + nuc + " in MIRD-07.BET");
        }
        int n = Integer.parseInt(bet.get(start).trim().split("\\s+")[1]);
        StringBuilder lines = new StringBuilder();
        for (int i = start + 1; i < start + n; i++) {
            String[] a = bet.get(i).trim().split("\\s+");
            String[] b = bet.get(i + 1).trim().split("\\s+");
            double e0 = Double.parseDouble(a[0]), f0 = Double.parseDouble(a[1]);
            double e1 = Double.parseDouble(b[0]), f1 = Double.parseDouble(b[1]);
            double h = e1 - e0;
            double y = 0.5 * h * (f0 + f1);
            if (y <= 0) {
                continue;
            }
            // int E N(E) dE for N linear on [e0, e1]
            double m = h * (f0 * (2 * e0 + e1) + f1 * (e0 + 2 * e1)) / 6.0;
            lines.append(String.format(Locale.ROOT, " %d %.6E %.6E B%s%n", code, y, m / y,
                    code == 4 ? "+" : "-"));
        }
        String t = text.toString().replace("END RADIATION RECORDS", lines + "END RADIATION RECORDS");
        // CellApplet: the user-created decay scheme branch of the "calculate svalues" block
        ArrayList<double[]> data = new ArrayList<>();
        java.util.Scanner sc = new java.util.Scanner(t);
        String input;
        while (!(input = sc.nextLine()).equals("START RADIATION RECORDS")) {
            // skip the header
        }
        while (!(input = sc.nextLine()).equals("END RADIATION RECORDS")) {
            String[] split = input.trim().split("\\s+");
            data.add(new double[] {Double.parseDouble(split[0]), Double.parseDouble(split[1]),
                    Double.parseDouble(split[2])});
        }
        return data;
    }

    /** Particulate energy per decay (MeV) that calcSelfDose counts: ICODE 4-7 electrons, 8 alpha. */
    static double[] energyPerDecay(ArrayList<double[]> data) {
        double e = 0, a = 0;
        for (double[] r : data) {
            int c = (int) r[0];
            if (c >= 4 && c <= 7) {
                e += r[1] * r[2];
            } else if (c == 8) {
                a += r[1] * r[2];
            }
        }
        return new double[] {e, a};
    }

    static final String[] NUCLIDES = {"I-125", "In-111", "Tc-99m", "F-18", "At-211", "Po-210"};
    static final double[][] GEOMETRIES = {{5, 2}, {5, 3}, {5, 4}, {10, 3}, {10, 5}};
    static final double[] MONO_KEV = {1, 5, 10, 50, 100, 500, 1000};

    static void csv() throws IOException {
        out.println("nuclide,cell_radius_um,nucleus_radius_um,target,source,s_gy_per_bq_s,"
                + "mirdcell_data");
        for (String nuc : NUCLIDES) {
            ArrayList<double[]> avg = average(nuc);
            ArrayList<double[]> full = readFull(nuc.toLowerCase(Locale.ROOT) + ".dat");
            for (double[] g : GEOMETRIES) {
                row(nuc, g, selfS(g[0], g[1], avg), "beta_average");
            }
            for (double[] g : GEOMETRIES) {
                row(nuc, g, selfS(g[0], g[1], full), "beta_full");
            }
            if (nuc.equals("F-18")) {
                ArrayList<double[]> user = userBet07(nuc);
                for (double[] g : GEOMETRIES) {
                    row(nuc, g, selfS(g[0], g[1], user), "user_bet07");
                }
            }
        }
        // monoenergetic electrons, one per decay: the applet's "Electron" option
        for (double e : MONO_KEV) {
            ArrayList<double[]> d = new ArrayList<>();
            d.add(new double[] {5.0, 1.0, e / 1000.0});
            for (double[] g : new double[][] {{5, 2}, {10, 5}}) {
                row("e-" + num(e) + "keV", g, selfS(g[0], g[1], d), "monoenergetic");
            }
        }
    }

    static void row(String nuc, double[] g, double[] s, String data) {
        for (int k = 0; k < KEYS.length; k++) {
            out.printf(Locale.ROOT, "%s,%s,%s,%s,%s,%.6E,%s%n", nuc, num(g[0]), num(g[1]),
                    KEYS[k][0], KEYS[k][1], s[k], data);
        }
    }

    static void checks() throws IOException {
        // 1. monoenergetic electrons, one per decay (the applet's "Electron" option:
        //    data.add({5.0, xn, en})), RC 5 um, RN 2 um: Goddu et al. 1997 as quoted by Liu et al.
        //    2009 (theradose tests/reference/mird_cellular_svalues.csv).
        out.println("# monoenergetic electrons, RC 5, RN 2 (Gy/(Bq s)): E_keV C<-C C<-CS N<-N N<-Cy"
                + " N<-CS Cy<-N Cy<-CS Cy<-Cy");
        for (double e : new double[] {1, 5, 10, 50, 100, 500}) {
            ArrayList<double[]> d = new ArrayList<>();
            d.add(new double[] {5.0, 1.0, e / 1000.0});
            print("e- " + e, selfS(5, 2, d));
        }
        // 2. the original DCAL Fortran output for Lu-177 (CellDosimetry/"lu177 from original
        //    fortran code.txt.xlsx": input .../dcal/work2/data/lu-177.dat, RC 5, RN 3), row 1:
        //    1.0197664699999999E-3 6.2840908100000002E-4 3.34367195E-3 6.3924316199999995E-4
        //    3.3213128699999999E-4 (C<-C, C<-CS, N<-N, N<-Cy, N<-CS).
        double[] dcal = {1.01976647e-3, 6.28409081e-4, 3.34367195e-3, 6.39243162e-4,
            3.32131287e-4};
        double[] lu = selfS(5, 3, readFull("lu-177.dat"));
        out.println("# Lu-177 (beta full, lu-177.dat), RC 5 RN 3: MIRDcell vs DCAL (relative)");
        String[] names = {"C<-C", "C<-CS", "N<-N", "N<-Cy", "N<-CS"};
        for (int k = 0; k < 5; k++) {
            out.printf(Locale.ROOT, "%-6s %.6E %.6E %+.4f%%%n", names[k], lu[k], dcal[k],
                    100 * (lu[k] / dcal[k] - 1));
        }
        double[] luAvg = selfS(5, 3, average("Lu-177"));
        print("Lu-177 (beta average, Lu-177.RAD) RC 5 RN 3", luAvg);
        // 3. the applet's beta-full reader: every record is the same array
        ArrayList<double[]> bug = ArrayListIn3.readOTHERdata("i-125.dat");
        boolean same = true;
        for (double[] r : bug) {
            same &= r == bug.get(0);
        }
        out.printf(Locale.ROOT, "# ArrayListIn3.readOTHERdata(\"i-125.dat\"): %d records, all the "
                + "same array: %b (ICODE %.0f, yield %.4e, E %.4e MeV)%n", bug.size(), same,
                bug.get(0)[0], bug.get(0)[1], bug.get(0)[2]);
        // 4. reciprocity: MIRDcell sets S(Cy<-N) = S(N<-Cy) by construction (calcSelfDose), and
        //    S(Cy<-CS), S(Cy<-Cy) from mass-weighted differences; check they hold and that the
        //    cytoplasm values are positive.
        for (String nuc : NUCLIDES) {
            ArrayList<double[]> avg = average(nuc);
            double[] ep = energyPerDecay(avg);
            double[] ef = energyPerDecay(readFull(nuc.toLowerCase(Locale.ROOT) + ".dat"));
            out.printf(Locale.ROOT, "# %s energy per decay counted (MeV): beta_average electrons"
                    + " %.6f alphas %.6f; beta_full electrons %.6f alphas %.6f%n", nuc, ep[0],
                    ep[1], ef[0], ef[1]);
            if (nuc.equals("F-18")) {
                ArrayList<double[]> u = userBet07(nuc);
                double y = 0;
                for (double[] r : u) {
                    y += r[0] == 4 ? r[1] : 0;
                }
                out.printf(Locale.ROOT, "# F-18 user_bet07: %d records, positrons per decay %.5f,"
                        + " electron energy per decay %.6f MeV%n", u.size(), y, energyPerDecay(u)[0]);
            }
            for (double[] g : GEOMETRIES) {
                double[] s = selfS(g[0], g[1], avg);
                if (s[5] != s[3] || s[6] <= 0 || s[7] <= 0) {
                    out.println("# FAIL " + nuc + " " + g[0] + "/" + g[1]);
                }
            }
        }
        out.println("# reciprocity S(Cy<-N) = S(N<-Cy) and positive cytoplasm values: checked");
    }

    static String num(double x) {
        return new java.math.BigDecimal(x).stripTrailingZeros().toPlainString();
    }

    static void print(String label, double[] s) {
        StringBuilder b = new StringBuilder(label);
        for (double x : s) {
            b.append(String.format(Locale.ROOT, " %.4E", x));
        }
        out.println(b);
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: MirdcellRef <MIRDcell checkout> csv|checks");
            System.exit(2);
        }
        root = java.nio.file.Path.of(args[0]);
        zip = new ZipFile(root.resolve("MIRD Datafiles.zip").toFile());
        out = System.out;
        // MIRDcell prints every record it reads: keep stdout for our output only
        System.setOut(new PrintStream(OutputStream.nullOutputStream()));
        installHandler();
        if (args[1].equals("csv")) {
            csv();
        } else {
            checks();
        }
        out.flush();
    }
}
