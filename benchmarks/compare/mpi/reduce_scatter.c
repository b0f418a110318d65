#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
int main(int c, char**v){ MPI_Init(&c,&v); int n=235152, r; MPI_Comm_rank(MPI_COMM_WORLD,&r);
float*a=malloc(n*4),*s=malloc(n*2); for(int i=0;i<n;i++)a[i]=i; int counts[2]={n/2,n/2}, bc[2]={n*2,n*2}, bd[2]={0,n*2};
for(int k=0;k<200;k++){MPI_Reduce_scatter(a,s,counts,MPI_FLOAT,MPI_SUM,MPI_COMM_WORLD);MPI_Allgatherv(MPI_IN_PLACE,0,MPI_BYTE,a,bc,bd,MPI_BYTE,MPI_COMM_WORLD);}
int it=2000; double t=MPI_Wtime(); for(int k=0;k<it;k++) MPI_Reduce_scatter(a,s,counts,MPI_FLOAT,MPI_SUM,MPI_COMM_WORLD); t=MPI_Wtime()-t;
double t2=MPI_Wtime(); for(int k=0;k<it;k++) MPI_Allgatherv(MPI_IN_PLACE,0,MPI_BYTE,a,bc,bd,MPI_BYTE,MPI_COMM_WORLD); t2=MPI_Wtime()-t2;
double x[5]; double t3=MPI_Wtime(); for(int k=0;k<it;k++) MPI_Allreduce(MPI_IN_PLACE,x,5,MPI_DOUBLE,MPI_SUM,MPI_COMM_WORLD); t3=MPI_Wtime()-t3;
if(!r)printf("reduce_scatter %.1f us  allgatherv %.1f us  small allreduce %.1f us\n",t/it*1e6,t2/it*1e6,t3/it*1e6); MPI_Finalize();}
