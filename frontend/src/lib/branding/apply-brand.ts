// Apply a tenant's brand to the whole UI at once: one CSS variable that every branded part uses.
const DEFAULT_BRAND = "#4f46e5";

export function applyBrand(brand: { color: string; name: string } | null): void {
  document.documentElement.style.setProperty("--brand", brand?.color ?? DEFAULT_BRAND);
  document.title = brand ? `${brand.name} · BitNexus` : "BitNexus";
}
