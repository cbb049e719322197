/** @type {import('next').NextConfig} */
// Next.js 14.2.21. Assets are copied into public/ and served as they are.
const nextConfig = {
  images: { unoptimized: true },
};

export default nextConfig;
