#!/usr/bin/env python3
"""Writes the DICOM test cases of tests/dicom_io.rs into tests/data/dicom/ with pydicom, an
independent writer (pip install pydicom numpy highdicom; tested with pydicom 3.0, highdicom 0.28).

    python3 scripts/make_dicom_testdata.py

Cases (all geometry in the DICOM patient frame, LPS, mm):
  ct_two_series/   a CT series of 6 slices (24 x 20 pixels, 2.0 x 1.5 mm, 2.5 mm slices) under
                   shuffled random file names, odd slices stored with RescaleSlope 2, plus a
                   second CT series of 2 slices ("localizer") in the same folder
  pet_start/       uniform PET (16 x 16 x 6, 4 mm), Units BQML, DecayCorrection START,
                   370 MBq F-18 at 10:00:00, series at 11:00:00, 70 kg: SUV = 1 everywhere
  pet_admin/       the same decay-corrected to the administration (DecayCorrection ADMIN)
  nm_multiframe.dcm one NM multi-frame SPECT (16 x 16 x 10 frames, 4.42 mm), counts, from
                   60 projections of 20 s (1200 s)
  ct_rt/           CT 48 x 48 x 45 of 2 mm voxels, water, for the RTSTRUCT
  rtstruct.dcm     ROIs "Sphere" (R 20 mm centred at (0, 0, -25)) and "Ring" (outer R 30 mm,
                   hole R 15 mm, z 8..38 mm, 15 slices of 2 mm) on ct_rt
  bad_missing/ bad_uneven/ bad_tilt/ bad_compressed/   broken series
  seg.dcm          a DICOM SEG by highdicom on ct_rt (a sphere and a cylinder), with
                   seg_counts.json (voxels of each segment)
  patient/         the built-in adult phantom (`theradose phantom export adult --voxel-mm 10`)
                   as a patient: ct/ a CT series in HU (density inverted through the Schneider
                   ramp of data/hu_schneider.toml), spect_tp1..4.dcm NM multi-frame SPECT in
                   counts (9.4 cps/MBq, 7200 s) at 4, 24, 72 and 168 h after 7400 MBq of Lu-177 given at
                   2026-01-05T10:00:00 (mono-exponential washout per organ, kinetics.json),
                   rtstruct.dcm with every region of the phantom traced along voxel edges
                   (so that rasterising it gives back the phantom's label map exactly), and
                   patient.toml, the patient study on them. Needs the theradose binary
                   (THERADOSE, else target/release/theradose).
  enhanced_ct.dcm  ct_two_series' 6-slice CT as one Legacy Converted Enhanced CT (highdicom):
                   per-frame PlanePositionSequence and PixelValueTransformationSequence
  real/            real files shipped with pydicom (MIT licence; see real/README.md):
                   CT_small.dcm (a GE CT slice, 128 x 128, from NEMA WG04 CT1_UNC) and
                   JPEG2000.dcm (an NM image, JPEG 2000), with expected.json: what pydicom
                   reads from them (geometry and HU at a few pixels), the reference for Rust
The numbers the tests check are the ones written here.
"""
import os
import random
import shutil

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.sequence import Sequence
from pydicom.uid import (CTImageStorage, ExplicitVRLittleEndian, JPEGLossless,
                         NuclearMedicineImageStorage, PositronEmissionTomographyImageStorage,
                         RTStructureSetStorage, generate_uid)

ROOT = os.path.join(os.path.dirname(__file__), "..", "tests", "data", "dicom")
RNG = random.Random(16)
STUDY = "1.2.826.0.1.3680043.8.498.16.1"
FRAME = "1.2.826.0.1.3680043.8.498.16.2"


def uid(n):
    """Deterministic UIDs, so regenerating the data gives the same files."""
    return f"1.2.826.0.1.3680043.8.498.16.{n}"


def base(sop_class, sop_uid, modality, series_uid, syntax=ExplicitVRLittleEndian):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = sop_uid
    meta.TransferSyntaxUID = syntax
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = sop_uid
    ds.Modality = modality
    ds.PatientName = "Test^Phantom"
    ds.PatientID = "TD-016"
    ds.PatientBirthDate = "19700101"
    ds.PatientSex = "O"
    ds.StudyInstanceUID = STUDY
    ds.StudyDate = "20260105"
    ds.StudyTime = "093000"
    ds.StudyID = "16"
    ds.AccessionNumber = "ACC16"
    ds.ReferringPhysicianName = "Ref^Doc"
    ds.SeriesInstanceUID = series_uid
    ds.SeriesNumber = 1
    ds.FrameOfReferenceUID = FRAME
    ds.PositionReferenceIndicator = ""
    return ds


def image(ds, pixels, spacing_rc, ipp, iop=(1, 0, 0, 0, 1, 0), slope=1.0, intercept=0.0,
          signed=False):
    """pixels: (rows, cols) or (frames, rows, cols) integer array."""
    ds.Rows, ds.Columns = pixels.shape[-2], pixels.shape[-1]
    ds.PixelSpacing = [f"{spacing_rc[0]:g}", f"{spacing_rc[1]:g}"]
    ds.ImagePositionPatient = [f"{v:g}" for v in ipp]
    ds.ImageOrientationPatient = [f"{v:g}" for v in iop]
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 1 if signed else 0
    ds.RescaleSlope = f"{slope:.10g}"
    ds.RescaleIntercept = f"{intercept:g}"
    ds.PixelData = pixels.astype("<i2" if signed else "<u2").tobytes()


def save(ds, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    ds.save_as(path, enforce_file_format=True)


def ct_slice(series_uid, sop_uid, hu, spacing_rc, ipp, slope=1.0):
    ds = base(CTImageStorage, sop_uid, "CT", series_uid)
    ds.SeriesDescription = "phantom"
    ds.KVP = "120"
    stored = np.round((hu + 1024.0) / slope)
    image(ds, stored, spacing_rc, ipp, slope=slope, intercept=-1024.0)
    return ds


def ct_hu(rows, cols, k):
    """The CT test phantom: air, a water block, a bone rod whose HU grows with the slice."""
    hu = np.full((rows, cols), -1000.0)
    hu[4:16, 4:20] = 0.0
    hu[8:10, 10:12] = 500.0 + 100.0 * k
    return hu


def ct_two_series():
    d = os.path.join(ROOT, "ct_two_series")
    names = [f"{RNG.getrandbits(48):012x}.dcm" for _ in range(8)]
    for k in range(6):
        ds = ct_slice(uid(10), uid(100 + k), ct_hu(20, 24, k), (1.5, 2.0),
                      (-23.0, -14.25, -10.0 + 2.5 * k), slope=2.0 if k % 2 else 1.0)
        ds.InstanceNumber = 6 - k
        save(ds, os.path.join(d, names[k]))
    for k in range(2):
        ds = ct_slice(uid(11), uid(120 + k), np.zeros((8, 8)), (5.0, 5.0), (0, 0, 10.0 * k))
        ds.SeriesDescription = "localizer"
        ds.SeriesNumber = 2
        save(ds, os.path.join(d, names[6 + k]))


def pet(name, correction, series):
    d = os.path.join(ROOT, name)
    dose, weight_kg, half_life_s = 370e6, 70.0, 6586.2
    decayed = dose * 2.0 ** (-3600.0 / half_life_s) if correction == "START" else dose
    suv1 = decayed / (weight_kg * 1000.0)  # Bq/mL of SUV 1 (1 g/mL)
    slope = suv1 / 30000.0
    for k in range(6):
        ds = base(PositronEmissionTomographyImageStorage, uid(200 + 10 * series + k), "PT",
                  uid(series))
        ds.SeriesDate, ds.SeriesTime = "20260105", "110000"
        ds.AcquisitionDate, ds.AcquisitionTime = "20260105", "110000"
        ds.Units, ds.DecayCorrection = "BQML", correction
        ds.CorrectedImage = ["ATTN", "DECY"]
        ds.PatientWeight = f"{weight_kg:g}"
        rp = Dataset()
        rp.RadionuclideTotalDose = f"{dose:g}"
        rp.RadionuclideHalfLife = f"{half_life_s:g}"
        if correction == "START":
            rp.RadiopharmaceuticalStartDateTime = "20260105100000.000000"
        else:
            rp.RadiopharmaceuticalStartTime = "100000"
        ds.RadiopharmaceuticalInformationSequence = Sequence([rp])
        ds.InstanceNumber = k + 1
        image(ds, np.full((16, 16), 30000), (4.0, 4.0), (-30.0, -30.0, 4.0 * k), slope=slope)
        save(ds, os.path.join(d, f"pt{k:02d}.dcm"))


def nm_multiframe():
    ds = base(NuclearMedicineImageStorage, uid(300), "NM", uid(30))
    ds.ImageType = ["ORIGINAL", "PRIMARY", "RECON TOMO", "EMISSION"]
    ds.NumberOfFrames = 10
    ds.SpacingBetweenSlices = "4.42"
    ds.SliceThickness = "4.42"
    counts = np.zeros((10, 16, 16), dtype=np.uint16)
    counts[:, 6:10, 6:10] = 100
    counts[3, 7, 8] = 900
    image(ds, counts, (4.42, 4.42), (-33.15, -33.15, -20.0))
    det = Dataset()
    det.ImagePositionPatient = ds.ImagePositionPatient
    det.ImageOrientationPatient = ds.ImageOrientationPatient
    del ds.ImagePositionPatient, ds.ImageOrientationPatient
    ds.DetectorInformationSequence = Sequence([det])
    rot = Dataset()
    rot.ActualFrameDuration = 20000  # ms per projection: 60 x 20 s = 1200 s of acquisition
    rot.NumberOfFramesInRotation = 60
    ds.RotationInformationSequence = Sequence([rot])
    ds.FrameIncrementPointer = 0x00540080
    ds.SliceVector = list(range(1, 11))
    save(ds, os.path.join(ROOT, "nm_multiframe.dcm"))


RT_CT = dict(n=48, nz=45, dz=2.0, x0=-47.0, z0=-49.0)


def ct_rt():
    d = os.path.join(ROOT, "ct_rt")
    for k in range(RT_CT["nz"]):
        z = RT_CT["z0"] + RT_CT["dz"] * k
        ds = ct_slice(uid(40), uid(400 + k), np.zeros((48, 48)), (2.0, 2.0),
                      (RT_CT["x0"], RT_CT["x0"], z))
        ds.InstanceNumber = k + 1
        save(ds, os.path.join(d, f"ct{k:03d}.dcm"))


def circle(r, z, n=128):
    t = np.arange(n) * 2 * np.pi / n
    pts = np.stack([r * np.cos(t), r * np.sin(t), np.full(n, z)], axis=1)
    return [f"{v:.4f}" for v in pts.ravel()]


def rtstruct():
    ds = base(RTStructureSetStorage, uid(500), "RTSTRUCT", uid(50))
    ds.StructureSetLabel = "test"
    ds.StructureSetDate, ds.StructureSetTime = "20260105", "120000"
    ref = Dataset()
    ref.FrameOfReferenceUID = FRAME
    ds.ReferencedFrameOfReferenceSequence = Sequence([ref])
    rois, contours = [], []
    zs = [RT_CT["z0"] + RT_CT["dz"] * k for k in range(RT_CT["nz"])]
    shapes = {
        "Sphere": [[circle(np.sqrt(400 - (z + 25) ** 2), z)] for z in zs if abs(z + 25) < 20],
        "Ring": [[circle(30, z), circle(15, z)] for z in zs if 8 < z < 38],
    }
    for n, (name, planes) in enumerate(shapes.items(), start=1):
        roi = Dataset()
        roi.ROINumber, roi.ROIName = n, name
        roi.ReferencedFrameOfReferenceUID = FRAME
        roi.ROIGenerationAlgorithm = "MANUAL"
        rois.append(roi)
        rc = Dataset()
        rc.ReferencedROINumber = n
        rc.ROIDisplayColor = [255, 0, 0]
        items = []
        for plane in planes:
            for pts in plane:
                c = Dataset()
                c.ContourGeometricType = "CLOSED_PLANAR"
                c.NumberOfContourPoints = len(pts) // 3
                c.ContourData = pts
                items.append(c)
        rc.ContourSequence = Sequence(items)
        contours.append(rc)
    ds.StructureSetROISequence = Sequence(rois)
    ds.ROIContourSequence = Sequence(contours)
    save(ds, os.path.join(ROOT, "rtstruct.dcm"))


def bad_series():
    def series(name, zs, tilt=0.0, shear=0.0, syntax=ExplicitVRLittleEndian):
        d = os.path.join(ROOT, name)
        for k, z in enumerate(zs):
            ds = ct_slice(uid(60 + len(name)), uid(600 + 10 * len(name) + k), np.zeros((4, 4)),
                          (1.0, 1.0), (0.0, shear * k, z))
            if tilt:
                ds.GantryDetectorTilt = f"{tilt:g}"
            if syntax != ExplicitVRLittleEndian:
                ds.file_meta.TransferSyntaxUID = syntax
                ds.PixelData = encapsulate([b"\xff\xd8 not really jpeg \xff\xd9"])
                ds["PixelData"].VR = "OB"
            save(ds, os.path.join(d, f"s{k}.dcm"))

    series("bad_missing", [0.0, 2.0, 4.0, 8.0, 10.0])
    series("bad_uneven", [0.0, 2.0, 4.0, 7.0, 9.0])
    series("bad_tilt", [0.0, 2.0, 4.0], tilt=15.0, shear=0.54)
    series("bad_compressed", [0.0], syntax=JPEGLossless)


def real_files():
    """Copies two of pydicom's own test files and records what pydicom reads from them."""
    import json

    src = os.path.join(os.path.dirname(pydicom.__file__), "data", "test_files")
    d = os.path.join(ROOT, "real")
    os.makedirs(d)
    for name in ["CT_small.dcm", "JPEG2000.dcm"]:
        shutil.copy(os.path.join(src, name), os.path.join(d, name))
    ds = pydicom.dcmread(os.path.join(d, "CT_small.dcm"))
    hu = ds.pixel_array.astype(float) * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
    pixels = [[0, 0], [64, 64], [100, 30], [20, 110]]  # (row, column)
    expected = {
        "ipp_lps": [float(v) for v in ds.ImagePositionPatient],
        "iop_lps": [float(v) for v in ds.ImageOrientationPatient],
        "pixel_spacing": [float(v) for v in ds.PixelSpacing],
        "rows": ds.Rows,
        "columns": ds.Columns,
        "series_instance_uid": ds.SeriesInstanceUID,
        "hu": [[r, c, hu[r, c]] for r, c in pixels],
    }
    with open(os.path.join(d, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
    with open(os.path.join(d, "README.md"), "w") as f:
        f.write(
            f"Copied from pydicom {pydicom.__version__} (pydicom/data/test_files/, MIT licence,\n"
            "Copyright (c) 2008-2020 Darcy Mason and pydicom contributors) by\n"
            "scripts/make_dicom_testdata.py. CT_small.dcm: a CT slice downsized to 128x128 from\n"
            "'CT1_UNC' of the NEMA WG04 data sets (ftp://medical.nema.org/MEDICAL/Dicom/DataSets/WG04/).\n"
            "JPEG2000.dcm: an NM image in JPEG 2000 (1.2.840.10008.1.2.4.91).\n"
            "expected.json: the geometry and HU that pydicom reads from CT_small.dcm.\n"
        )


def seg():
    """A DICOM SEG by highdicom (pip install highdicom; tested with 0.28) on ct_rt: segment 1
    "Sphere" (R 20 mm at (0, 0, -25)), segment 2 "Cylinder" (R 12 mm about x = 10, y = 0,
    0 < z < 20 mm), both as voxel-centre masks of the CT grid; counts in seg_counts.json."""
    import glob
    import json

    import highdicom as hd
    from pydicom.sr.codedict import codes

    cts = sorted((pydicom.dcmread(f) for f in glob.glob(os.path.join(ROOT, "ct_rt", "*.dcm"))),
                 key=lambda d: float(d.ImagePositionPatient[2]))
    for d in cts:
        d.SliceThickness = "2"  # highdicom copies it into the pixel measures
    n = RT_CT["n"]
    c = np.arange(n) * 2.0 + RT_CT["x0"]
    y, x = np.meshgrid(c, c, indexing="ij")
    mask = np.zeros((len(cts), n, n, 2), dtype=bool)
    for k, d in enumerate(cts):
        z = float(d.ImagePositionPatient[2])
        mask[k, :, :, 0] = x ** 2 + y ** 2 + (z + 25) ** 2 <= 400
        mask[k, :, :, 1] = (np.hypot(x - 10, y) <= 12) & (0 < z) & (z < 20)
    descs = [hd.seg.SegmentDescription(
        segment_number=i, segment_label=name, segmented_property_category=codes.SCT.Tissue,
        segmented_property_type=codes.SCT.Tissue,
        algorithm_type=hd.seg.SegmentAlgorithmTypeValues.MANUAL)
        for i, name in enumerate(["Sphere", "Cylinder"], start=1)]
    s = hd.seg.Segmentation(
        source_images=cts, pixel_array=mask,
        segmentation_type=hd.seg.SegmentationTypeValues.BINARY, segment_descriptions=descs,
        series_instance_uid=uid(70), series_number=7, sop_instance_uid=uid(700),
        instance_number=1, manufacturer="test", manufacturer_model_name="test",
        software_versions="1", device_serial_number="1", omit_empty_frames=True)
    s.save_as(os.path.join(ROOT, "seg.dcm"))
    counts = {"Sphere": int(mask[..., 0].sum()), "Cylinder": int(mask[..., 1].sum())}
    with open(os.path.join(ROOT, "seg_counts.json"), "w") as f:
        json.dump(counts, f)


# ---- patient-like case: the built-in adult phantom as CT + serial SPECT + RTSTRUCT ----------

PATIENT = dict(
    voxel_mm=10.0,
    injected_mbq=7400.0,
    injection=(2026, 1, 5, 10, 0, 0),
    times_h=[4.0, 24.0, 72.0, 168.0],
    calibration_cps_per_mbq=9.4,
    acquisition_s=7200.0,  # 120 projections of 60 s: counts high enough that rounding them
    # to integers biases no region TIA by more than about 0.1%
    # Lu-177 half-life 574300.8 s (6.647 d): ICRP Publication 107 (data/decay/icrp107/Lu-177.txt)
    half_life_h=574300.8 / 3600.0,
    # mono-exponential washout after an uptake of 36 s (0.01 h, instantaneous at the scans):
    # fraction of the administered activity, biological half-life (h); assumed values of the
    # order of Lu-177-PSMA kinetics, for the test only
    kinetics=[
        ("kidneys", 0.03, 50.0),
        ("liver", 0.05, 60.0),
        ("spleen", 0.01, 80.0),
        ("body", 0.15, 40.0),
    ],
    uptake_half_time_h=0.01,
)


def theradose_binary():
    exe = os.environ.get("THERADOSE")
    if exe:
        return exe
    return os.path.join(os.path.dirname(__file__), "..", "target", "release", "theradose")


def read_nifti(path):
    """A NIfTI-1 .nii.gz as (array indexed [k, j, i], pixdim, srow) with numpy only."""
    import gzip
    import struct
    b = gzip.open(path).read()
    dim = struct.unpack("<8h", b[40:56])
    dtype = {2: "u1", 4: "<i2", 16: "<f4", 64: "<f8", 512: "<u2"}[struct.unpack("<h", b[70:72])[0]]
    off = int(struct.unpack("<f", b[108:112])[0])
    n = dim[1] * dim[2] * dim[3]
    a = np.frombuffer(b[off:], dtype=dtype, count=n).reshape(dim[3], dim[2], dim[1])
    srow = np.array(struct.unpack("<12f", b[280:328])).reshape(3, 4)
    return a, srow


def hu_of_density(rho, bone):
    """Inverts the Schneider density ramp of data/hu_schneider.toml: the HU whose ramp density
    is rho, on the branch of the medium (soft tissue below 100 HU, bone above 101 HU)."""
    import tomllib
    with open(os.path.join(os.path.dirname(__file__), "..", "data", "hu_schneider.toml"), "rb") as f:
        ramp = tomllib.load(f)["density_ramp"]
    hu = np.full(rho.shape, -1000.0)
    for (h0, d0), (h1, d1) in zip(ramp, ramp[1:]):
        if h1 - h0 <= 1.0 and d1 < d0:
            continue  # the step between the tissue and bone branches
        sel = (rho >= min(d0, d1)) & (rho <= max(d0, d1)) & (bone == (h0 >= 100.0))
        hu[sel] = h0 + (rho[sel] - d0) * (h1 - h0) / (d1 - d0)
    return np.clip(np.round(hu), -1000, 3000)


def edge_loops(mask):
    """Closed loops along the pixel edges of a 2-D mask [j, i], as corner coordinates (ci, cj)
    (corner ci sits at i = ci - 0.5). Every boundary edge is used once, so even-odd filling
    of the loops gives back the mask exactly, holes included."""
    out = {}
    rows, cols = mask.shape
    m = np.pad(mask, 1)
    for j in range(rows):
        for i in range(cols):
            if not m[j + 1, i + 1]:
                continue
            if not m[j, i + 1]:
                out.setdefault((i, j), []).append((i + 1, j))
            if not m[j + 1, i + 2]:
                out.setdefault((i + 1, j), []).append((i + 1, j + 1))
            if not m[j + 2, i + 1]:
                out.setdefault((i + 1, j + 1), []).append((i, j + 1))
            if not m[j + 1, i]:
                out.setdefault((i, j + 1), []).append((i, j))
    loops = []
    while out:
        start = next(iter(out))
        loop, p = [start], start
        while True:
            q = out[p].pop()
            if not out[p]:
                del out[p]
            if q == start:
                break
            loop.append(q)
            p = q
        # drop the corners inside straight runs
        keep = [c for n, c in enumerate(loop)
                if (loop[n - 1][0] - c[0]) * (loop[(n + 1) % len(loop)][1] - c[1])
                != (loop[n - 1][1] - c[1]) * (loop[(n + 1) % len(loop)][0] - c[0])]
        loops.append(keep)
    return loops


def patient_rtstruct(d, labels, names, origin, dz, ct_uids):
    ds = base(RTStructureSetStorage, uid(950), "RTSTRUCT", uid(95))
    ds.StructureSetLabel = "organs"
    ds.StructureSetDate, ds.StructureSetTime = "20260105", "120000"
    ref = Dataset()
    ref.FrameOfReferenceUID = FRAME
    ds.ReferencedFrameOfReferenceSequence = Sequence([ref])
    vx = PATIENT["voxel_mm"]
    rois, contours = [], []
    for number, name in enumerate(names, start=1):
        label = names[name]
        roi = Dataset()
        roi.ROINumber, roi.ROIName = number, name
        roi.ReferencedFrameOfReferenceUID = FRAME
        roi.ROIGenerationAlgorithm = "AUTOMATIC"
        rois.append(roi)
        items = []
        for k in range(labels.shape[0]):
            mask = labels[k] == label
            if not mask.any():
                continue
            for loop in edge_loops(mask):
                pts = []
                for ci, cj in loop:
                    pts += [f"{origin[0] + (ci - 0.5) * vx:g}", f"{origin[1] + (cj - 0.5) * vx:g}",
                            f"{origin[2] + k * dz:g}"]
                c = Dataset()
                c.ContourGeometricType = "CLOSED_PLANAR"
                c.NumberOfContourPoints = len(loop)
                c.ContourData = pts
                im = Dataset()
                im.ReferencedSOPClassUID = CTImageStorage
                im.ReferencedSOPInstanceUID = ct_uids[k]
                c.ContourImageSequence = Sequence([im])
                items.append(c)
        rc = Dataset()
        rc.ReferencedROINumber = number
        rc.ROIDisplayColor = [(37 * number) % 256, (91 * number) % 256, (53 * number) % 256]
        rc.ContourSequence = Sequence(items)
        contours.append(rc)
    ds.StructureSetROISequence = Sequence(rois)
    ds.ROIContourSequence = Sequence(contours)
    save(ds, os.path.join(d, "rtstruct.dcm"))


def patient_spect(d, n, counts, origin, t_h):
    import datetime
    inj = datetime.datetime(*PATIENT["injection"])
    acq = inj + datetime.timedelta(hours=t_h)
    ds = base(NuclearMedicineImageStorage, uid(960 + n), "NM", uid(96 + n))
    ds.SeriesDescription = f"Lu-177 SPECT {t_h:g} h"
    ds.SeriesNumber = 10 + n
    ds.ImageType = ["ORIGINAL", "PRIMARY", "RECON TOMO", "EMISSION"]
    ds.SeriesDate = ds.AcquisitionDate = acq.strftime("%Y%m%d")
    ds.SeriesTime = ds.AcquisitionTime = acq.strftime("%H%M%S")
    ds.Units = "CNTS"
    ds.NumberOfFrames = counts.shape[0]
    ds.SpacingBetweenSlices = ds.SliceThickness = f"{PATIENT['voxel_mm']:g}"
    image(ds, counts, (PATIENT["voxel_mm"],) * 2, origin)
    det = Dataset()
    det.ImagePositionPatient = ds.ImagePositionPatient
    det.ImageOrientationPatient = ds.ImageOrientationPatient
    del ds.ImagePositionPatient, ds.ImageOrientationPatient
    ds.DetectorInformationSequence = Sequence([det])
    rot = Dataset()
    rot.ActualFrameDuration = 60000  # ms per projection
    rot.NumberOfFramesInRotation = 120  # 120 x 60 s = 7200 s
    ds.RotationInformationSequence = Sequence([rot])
    rp = Dataset()
    rp.Radiopharmaceutical = "Lu-177-PSMA"
    rp.RadionuclideTotalDose = f"{PATIENT['injected_mbq'] * 1e6:g}"
    rp.RadionuclideHalfLife = f"{PATIENT['half_life_h'] * 3600:g}"
    rp.RadiopharmaceuticalStartDateTime = inj.strftime("%Y%m%d%H%M%S")
    ds.RadiopharmaceuticalInformationSequence = Sequence([rp])
    ds.FrameIncrementPointer = 0x00540080
    ds.SliceVector = list(range(1, counts.shape[0] + 1))
    save(ds, os.path.join(d, f"spect_tp{n}.dcm"))


def patient_activity(density, labels, names, t_h):
    """Activity per voxel (Bq) at t_h: each organ's A0 f (exp(-le t) - exp(-(lu + le) t))
    spread over its voxels by mass, as the dosimetry study's true map."""
    lp = np.log(2) / PATIENT["half_life_h"]
    lu = np.log(2) / PATIENT["uptake_half_time_h"]
    a = np.zeros(density.shape)
    for organ, f, tb in PATIENT["kinetics"]:
        le = np.log(2) / tb + lp
        total = PATIENT["injected_mbq"] * 1e6 * f * (np.exp(-le * t_h) - np.exp(-(lu + le) * t_h))
        m = labels == names[organ]
        a[m] = total * density[m] / density[m].sum()
    return a


def patient():
    import json
    import subprocess
    import tempfile
    d = os.path.join(ROOT, "patient")
    vx = PATIENT["voxel_mm"]
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "adult.nii.gz")
        subprocess.run([theradose_binary(), "phantom", "export", "adult", "--voxel-mm", f"{vx:g}",
                        "--out", out], check=True, capture_output=True)
        density, srow = read_nifti(out)
        labels, _ = read_nifti(os.path.join(tmp, "adult_labels.nii.gz"))
        mats, _ = read_nifti(os.path.join(tmp, "adult_materials.nii.gz"))
        with open(os.path.join(tmp, "adult.json")) as f:
            info = json.load(f)
    assert np.allclose(np.diag(srow[:, :3]), [-vx, -vx, vx]), "expected the exporter's RAS grid"
    origin = (-srow[0, 3], -srow[1, 3], srow[2, 3])  # RAS -> LPS of voxel (0, 0, 0)
    names = {r["name"]: r["id"] for r in info["regions"] if r["id"] > 0
             and (labels == r["id"]).any()}
    mat_names = {m["id"]: m["name"] for m in info["materials"]}
    bone = np.isin(mats, [i for i, n in mat_names.items() if n in ("cortical-bone", "spongiosa")])
    hu = hu_of_density(density.astype(float), bone)
    ct_uids = [uid(f"97.{k}") for k in range(labels.shape[0])]
    for k in range(labels.shape[0]):
        z = origin[2] + k * vx
        ds = ct_slice(uid(97), ct_uids[k], hu[k], (vx, vx), (origin[0], origin[1], z))
        ds.SeriesDescription = "adult phantom CT"
        ds.InstanceNumber = k + 1
        ds.SliceThickness = f"{vx:g}"
        save(ds, os.path.join(d, "ct", f"ct{k:03d}.dcm"))
    patient_rtstruct(d, labels, names, origin, vx, ct_uids)
    scale = 1e-6 * PATIENT["calibration_cps_per_mbq"] * PATIENT["acquisition_s"]
    for n, t in enumerate(PATIENT["times_h"], start=1):
        counts = np.round(patient_activity(density.astype(float), labels, names, t) * scale)
        assert counts.max() < 65535, counts.max()
        patient_spect(d, n, counts.astype(np.uint16), origin, t)
    with open(os.path.join(d, "kinetics.json"), "w") as f:
        json.dump({k: PATIENT[k] for k in PATIENT}, f, indent=1)
    with open(os.path.join(d, "patient.toml"), "w") as f:
        f.write(PATIENT_TOML)


PATIENT_TOML = """# The patient study of tests/patient_study.rs on the adult phantom written as DICOM by
# scripts/make_dicom_testdata.py (the injection time comes from the SPECT headers).
kind = "patient"
name = "patient-test"
nuclide = "Lu-177"
injected_mbq = 7400.0

[[timepoint]]
ct = "ct"
emission = "spect_tp1.dcm"
calibration_cps_per_mbq = 9.4

[[timepoint]]
ct = "ct"
emission = "spect_tp2.dcm"
calibration_cps_per_mbq = 9.4

[[timepoint]]
ct = "ct"
emission = "spect_tp3.dcm"
calibration_cps_per_mbq = 9.4

[[timepoint]]
ct = "ct"
emission = "spect_tp4.dcm"
calibration_cps_per_mbq = 9.4

[regions]
rtstruct = "rtstruct.dcm"

[dose]
methods = ["mc", "ldm"]
histories = 200000
tia_model = "mono"
"""


def enhanced():
    """The 6-slice CT series of ct_two_series converted by highdicom (0.28) into one Legacy
    Converted Enhanced CT Image (1.2.840.10008.5.1.4.1.1.2.2): frames in the files' InstanceNumber
    order (descending z), PlanePositionSequence and PixelValueTransformationSequence per frame
    (RescaleSlope 1 and 2 alternating), PlaneOrientationSequence and PixelMeasuresSequence
    shared: the functional groups of Enhanced CT."""
    import glob

    import highdicom as hd
    cts = [pydicom.dcmread(f) for f in glob.glob(os.path.join(ROOT, "ct_two_series", "*.dcm"))]
    cts = [d for d in cts if d.SeriesInstanceUID == uid(10)]
    for d in cts:
        d.SliceThickness = "2.5"
        d.Manufacturer = "test"
    e = hd.legacy.LegacyConvertedEnhancedCTImage(
        legacy_datasets=cts, series_instance_uid=uid(80), series_number=8,
        sop_instance_uid=uid(800), instance_number=1)
    e.save_as(os.path.join(ROOT, "enhanced_ct.dcm"))


def main():
    if os.path.isdir(ROOT):
        shutil.rmtree(ROOT)
    ct_two_series()
    pet("pet_start", "START", 21)
    pet("pet_admin", "ADMIN", 22)
    nm_multiframe()
    ct_rt()
    rtstruct()
    bad_series()
    real_files()
    seg()
    enhanced()
    patient()
    print(f"pydicom {pydicom.__version__}: wrote {ROOT}")


if __name__ == "__main__":
    main()
