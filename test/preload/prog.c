/* SPDX-License-Identifier: MIT */
/* prog.c — small C program compiled by gcc in the preload test */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct node { struct node *next; char name[24]; int v; };

static int cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void) {
  struct node *head = NULL;
  for (int i = 0; i < 100000; i++) {
    struct node *n = malloc(sizeof *n);
    n->v = i;
    snprintf(n->name, sizeof n->name, "node-%d", (i * 7919) % 100003);
    n->next = head;
    head = n;
  }
  char **names = malloc(100000 * sizeof *names);
  int k = 0;
  long sum = 0;
  for (struct node *n = head; n; n = n->next) {
    names[k++] = strdup(n->name);
    sum += n->v;
  }
  qsort(names, (size_t)k, sizeof *names, cmp);
  printf("%d %ld %s %s\n", k, sum, names[0], names[k - 1]);
  while (head) {
    struct node *n = head->next;
    free(head);
    head = n;
  }
  for (int i = 0; i < k; i++) free(names[i]);
  free(names);
  int unused_warning_var; /* deliberate -Wunused-variable warning */
  return 3;
}
