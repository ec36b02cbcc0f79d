// Vite handles CSS imports; tell TypeScript so.
declare module '*.css';
