#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
int main(int c, char**v){ MPI_Init(&c,&v); int n=235152, r; MPI_Comm_rank(MPI_COMM_WORLD,&r);
float*a=malloc(n*4),*s=malloc(n*2); for(int i=0;i<n;i++)a[i]=i; int h=n/2; int peer=1-r;
for(int k=0;k<200;k++) MPI_Sendrecv(a+(peer*h),h,MPI_FLOAT,peer,0,s,h,MPI_FLOAT,peer,0,MPI_COMM_WORLD,MPI_STATUS_IGNORE);
int it=2000; double t=MPI_Wtime(); for(int k=0;k<it;k++){ MPI_Sendrecv(a+(peer*h),h,MPI_FLOAT,peer,0,s,h,MPI_FLOAT,peer,0,MPI_COMM_WORLD,MPI_STATUS_IGNORE); float*m=a+r*h; for(int i=0;i<h;i++) m[i]+=s[i];} t=MPI_Wtime()-t;
int counts[2]={h,h}; double t1=MPI_Wtime(); for(int k=0;k<it;k++) MPI_Reduce_scatter(a,s,counts,MPI_FLOAT,MPI_SUM,MPI_COMM_WORLD); t1=MPI_Wtime()-t1;
if(!r)printf("sendrecv+add %.1f us   reduce_scatter %.1f us\n",t/it*1e6,t1/it*1e6); MPI_Finalize();}
