// The parts of OpenBLAS (CBLAS, LAPACK, thread control) that dyson calls.
//
// LAPACK is Fortran: every argument is passed by pointer, integers are 32-bit
// (libopenblas-dev is the LP64 build), matrices are column-major, and gfortran
// passes the length of each CHARACTER argument as a hidden trailing size_t.
// Those lengths are declared and passed here; leaving them out is undefined
// behaviour that has broken numpy, R and dlib when LAPACK was rebuilt.
#ifndef DYSON_COPENBLAS_SHIM_H
#define DYSON_COPENBLAS_SHIM_H

#include <stddef.h>
#include <cblas.h>

// cblas.h also declares OpenBLAS's thread control and identification:
// openblas_set_num_threads, openblas_get_num_threads, openblas_get_corename,
// openblas_get_config.

// Symmetric eigenproblem, divide and conquer.
void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a,
             const int *lda, double *w, double *work, const int *lwork,
             int *iwork, const int *liwork, int *info,
             size_t jobz_len, size_t uplo_len);

// Singular value decomposition, divide and conquer.
void dgesdd_(const char *jobz, const int *m, const int *n, double *a,
             const int *lda, double *s, double *u, const int *ldu,
             double *vt, const int *ldvt, double *work, const int *lwork,
             int *iwork, int *info, size_t jobz_len);

// Cholesky factorisation and the inverse from it.
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda,
             int *info, size_t uplo_len);
void dpotri_(const char *uplo, const int *n, double *a, const int *lda,
             int *info, size_t uplo_len);

// QR factorisation and the explicit orthogonal factor.
void dgeqrf_(const int *m, const int *n, double *a, const int *lda,
             double *tau, double *work, const int *lwork, int *info);
void dorgqr_(const int *m, const int *n, const int *k, double *a,
             const int *lda, const double *tau, double *work,
             const int *lwork, int *info);

#endif
