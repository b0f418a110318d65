#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
int main(int c, char**v){ MPI_Init(&c,&v); int n=235146, r; MPI_Comm_rank(MPI_COMM_WORLD,&r);
float*a=malloc(n*4); for(int i=0;i<n;i++)a[i]=i;
for(int k=0;k<200;k++) MPI_Allreduce(MPI_IN_PLACE,a,n,MPI_FLOAT,MPI_SUM,MPI_COMM_WORLD);
double t=MPI_Wtime(); int it=2000; for(int k=0;k<it;k++) MPI_Allreduce(MPI_IN_PLACE,a,n,MPI_FLOAT,MPI_SUM,MPI_COMM_WORLD);
t=MPI_Wtime()-t; 
MPI_Request q; double t2=MPI_Wtime(); for(int k=0;k<500;k++){MPI_Iallreduce(MPI_IN_PLACE,a,n,MPI_FLOAT,MPI_SUM,MPI_COMM_WORLD,&q);MPI_Wait(&q,MPI_STATUS_IGNORE);} t2=MPI_Wtime()-t2;
if(!r)printf("allreduce %.1f us  iallreduce %.1f us\n",t/it*1e6,t2/500*1e6); MPI_Finalize();}
