//! L5 biology: linear-quadratic model with dose rate (BED, EQD2, G-factor), RBE, gEUD, TCP/NTCP,
//! tumour response over time, PET response criteria (PERCIST, EORTC).
